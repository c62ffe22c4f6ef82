import assert from "node:assert/strict";
import { BufferBudget } from "../lib/budget.ts";
import { BufferPool } from "../lib/buffers.ts";
import { DeadlineTimer, LIMIT_REASON } from "../lib/deadline.ts";
import {
  closeReason,
  EchoConnection,
  echoLoop,
  type EchoSettings,
  SHUTDOWN_REASON,
} from "../lib/echo.ts";
import { waitFor } from "./helpers.ts";
import { ScriptedConn } from "./scripted_conn.ts";

Deno.test("closeReason() tells a shutdown, a limit and a timeout apart by the abort reason", () => {
  const aborted = (reason: unknown) => AbortSignal.abort(reason);
  const error = new Deno.errors.BadResource("closed");
  assert.equal(closeReason(error, aborted(SHUTDOWN_REASON)), "shutdown");
  assert.equal(closeReason(error, aborted(LIMIT_REASON)), "limit");
  assert.equal(
    closeReason(error, aborted(new DOMException("Signal timed out", "TimeoutError"))),
    "timeout",
  );
});

Deno.test("closeReason() without an abort: reset for a peer's reset, error otherwise", () => {
  const live = new AbortController().signal;
  assert.equal(closeReason(new Deno.errors.ConnectionReset("reset"), live), "reset");
  assert.equal(closeReason(new Deno.errors.ConnectionAborted("aborted"), live), "reset");
  assert.equal(closeReason(new Deno.errors.BrokenPipe("gone"), live), "reset");
  assert.equal(closeReason(new Deno.errors.BadResource("closed"), live), "error");
  assert.equal(closeReason(new Error("boom"), live), "error");
});

function settings(recordSize: number, budget: BufferBudget): EchoSettings {
  return { mode: "record", recordSize, maxBytes: Infinity, budget };
}

Deno.test("echoLoop() grows a large record's buffer with the bytes that arrive, and gives it back after the echo", async () => {
  const size = 1024 * 1024;
  const budget = new BufferBudget(size);
  const pool = new BufferPool({ mode: "record", recordSize: size });
  using timer = new DeadlineTimer(10_000);
  const conn = new ScriptedConn();
  const connection = new EchoConnection(conn, timer.start(() => conn.close()));
  const totals = { records: 0, bytes: 0 };
  const loop = echoLoop(connection, settings(size, budget), pool, totals);
  const sent = Uint8Array.from({ length: size }, (_, i) => i % 251);
  conn.push(sent.subarray(0, 10)); // a peer that sends little holds little
  await waitFor(() => conn.readSizes.length === 2, "the second read");
  assert.deepEqual(conn.readSizes, [16 * 1024, 16 * 1024 - 10]);
  assert.equal(budget.reserved, 0);
  conn.push(sent.subarray(10));
  await waitFor(() => conn.written.length === 1, "the echo");
  assert.deepEqual(conn.written[0], sent);
  // Read buffers doubled from 16 KiB as the record filled them, never past one record.
  assert.ok(conn.readSizes.every((length) => length <= size));
  await waitFor(() => budget.reserved === 0, "the budget to come back after the echo");
  conn.push(null);
  assert.equal(await loop, "eof");
  assert.deepEqual(totals, { records: 1, bytes: size });
  connection.deadline[Symbol.dispose]();
});

Deno.test("echoLoop() waits, unread, for the budget its record needs; its deadline still ends the wait", async () => {
  const size = 256 * 1024;
  const budget = new BufferBudget(size);
  assert.equal(budget.tryReserve(size), true); // another connection holds it all
  const pool = new BufferPool({ mode: "record", recordSize: size });
  using timer = new DeadlineTimer(100, 10);
  const conn = new ScriptedConn();
  const connection = new EchoConnection(conn, timer.start(() => conn.close()));
  const loop = echoLoop(connection, settings(size, budget), pool, { records: 0, bytes: 0 });
  conn.push(new Uint8Array(64 * 1024));
  const error = await loop.then(() => undefined, (error) => error);
  assert.equal(closeReason(error, connection.deadline.signal), "timeout");
  assert.deepEqual(conn.readSizes, [16 * 1024], "nothing read after the first buffer filled");
  assert.equal(budget.waiting, false, "the wait was given up");
  assert.equal(budget.available, 0, "and reserved nothing");
});

Deno.test("echoLoop() batches small records into a larger buffer only while the budget has room", async () => {
  const budget = new BufferBudget(250);
  const pool = new BufferPool({ mode: "record", recordSize: 250 });
  using timer = new DeadlineTimer(10_000);
  const conn = new ScriptedConn();
  const connection = new EchoConnection(conn, timer.start(() => conn.close()));
  const loop = echoLoop(connection, settings(250, budget), pool, { records: 0, bytes: 0 });
  conn.push(new Uint8Array(250 * 4));
  conn.push(null);
  assert.equal(await loop, "eof");
  // No room to grow past 250 bytes (the budget cannot hold 500): one record per read.
  assert.deepEqual(conn.readSizes, [250, 250, 250, 250, 250]);
  assert.equal(conn.written.length, 4);
  connection.deadline[Symbol.dispose]();
});

Deno.test("echoLoop() reads one record at a time while records come one at a time", async () => {
  const budget = new BufferBudget(1024 * 1024);
  const pool = new BufferPool({ mode: "record", recordSize: 250 });
  using timer = new DeadlineTimer(10_000);
  const conn = new ScriptedConn();
  const connection = new EchoConnection(conn, timer.start(() => conn.close()));
  const loop = echoLoop(connection, settings(250, budget), pool, { records: 0, bytes: 0 });
  for (let record = 0; record < 40; record++) {
    conn.push(new Uint8Array(250).fill(record));
    await waitFor(() => conn.written.length === record + 1, `echo ${record}`);
    assert.deepEqual(conn.written[record], new Uint8Array(250).fill(record));
  }
  conn.push(null);
  assert.equal(await loop, "eof");
  // A read of exactly one record is the runtime's fast path; a larger buffer is tried
  // now and then (twice after 2 full reads, after 4, 8, 16), in case records batch.
  const oneRecord = conn.readSizes.filter((size) => size === 250).length;
  assert.ok(oneRecord >= 33, `${oneRecord} of ${conn.readSizes.length} reads asked for 250 bytes`);
  connection.deadline[Symbol.dispose]();
});

Deno.test("echoLoop() reads records sent back to back into a buffer that grows", async () => {
  const budget = new BufferBudget(1024 * 1024);
  const pool = new BufferPool({ mode: "record", recordSize: 250 });
  using timer = new DeadlineTimer(10_000);
  const conn = new ScriptedConn();
  const connection = new EchoConnection(conn, timer.start(() => conn.close()));
  const totals = { records: 0, bytes: 0 };
  const loop = echoLoop(connection, settings(250, budget), pool, totals);
  const sent = Uint8Array.from({ length: 250 * 256 }, (_, i) => i % 251);
  conn.push(sent);
  conn.push(null);
  assert.equal(await loop, "eof");
  assert.deepEqual(conn.readSizes.slice(0, 5), [250, 250, 500, 1000, 2000]);
  assert.ok(conn.readSizes.length < 20, `${conn.readSizes.length} reads`);
  const echoed = new Uint8Array(conn.written.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of conn.written) {
    echoed.set(chunk, at);
    at += chunk.length;
  }
  assert.deepEqual(echoed, sent);
  assert.deepEqual(totals, { records: 256, bytes: sent.length });
  connection.deadline[Symbol.dispose]();
});
