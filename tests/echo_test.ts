import assert from "node:assert/strict";
import { LIMIT_REASON } from "../lib/deadline.ts";
import { BufferPool, closeReason, SHUTDOWN_REASON } from "../lib/echo.ts";

Deno.test("BufferPool hands out a record-sized first buffer, or 4 KiB in stream mode", () => {
  const records = new BufferPool({ mode: "record", recordSize: 250 });
  assert.equal(records.firstSize, 250);
  assert.equal(records.take().length, 250);
  const stream = new BufferPool({ mode: "stream", recordSize: 250 });
  assert.equal(stream.firstSize, 4096);
  assert.equal(stream.take().length, 4096);
});

Deno.test("BufferPool gives back a kept buffer, and keeps only first-size ones", () => {
  const pool = new BufferPool({ mode: "record", recordSize: 250 });
  const first = pool.take();
  pool.give(first);
  assert.equal(pool.take(), first, "the same buffer again");
  const grown = new Uint8Array(500);
  pool.give(grown);
  const next = pool.take();
  assert.notEqual(next, grown, "a grown buffer is not kept");
  assert.equal(next.length, 250);
});

Deno.test("BufferPool keeps at most 256 buffers", () => {
  const pool = new BufferPool({ mode: "record", recordSize: 8 });
  const given: Uint8Array[] = Array.from({ length: 300 }, () => new Uint8Array(8));
  for (const buffer of given) pool.give(buffer);
  const kept = new Set<Uint8Array>(given.slice(0, 256));
  for (let i = 0; i < 256; i++) assert.ok(kept.has(pool.take()), `buffer ${i} was kept`);
  assert.ok(!given.includes(pool.take()), "the 257th is a new buffer");
});

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
