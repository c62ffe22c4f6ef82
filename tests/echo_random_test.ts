import assert from "node:assert/strict";
import { BufferBudget } from "../lib/budget.ts";
import { BufferPool } from "../lib/buffers.ts";
import { DeadlineTimer } from "../lib/deadline.ts";
import {
  closeReason,
  EchoConnection,
  echoLoop,
  type EchoSettings,
  SHUTDOWN_REASON,
} from "../lib/echo.ts";
import type { ConnectionInfo } from "../lib/echo.ts";
import { serve } from "../lib/server.ts";
import { readRecord, waitFor } from "./helpers.ts";
import { ScriptedConn } from "./scripted_conn.ts";

function settings(recordSize: number, budget: BufferBudget, mode: "record" | "stream" = "record") {
  return { mode, recordSize, maxBytes: Infinity, budget } satisfies EchoSettings;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed + (i >> 8)) & 0xff);
}

// A record between 32 and 64 KiB reserves its whole record once: it had gone on to
// wait for more (65536 - size) while holding it, and with the smallest budget
// allowed (one record) the record was never echoed.
Deno.test("a 40,000-byte record with a budget of one record is echoed", async () => {
  const size = 40_000;
  const budget = new BufferBudget(size); // what serve() and --buffer-budget accept
  const pool = new BufferPool({ mode: "record", recordSize: size });
  using timer = new DeadlineTimer(300, 10);
  const conn = new ScriptedConn();
  const connection = new EchoConnection(conn, timer.start(() => conn.close()));
  const loop = echoLoop(connection, settings(size, budget), pool, { records: 0, bytes: 0 });
  const sent = pattern(size, 1);
  conn.push(sent);
  conn.push(null);
  const result = await loop.then(
    (reason) => reason,
    (error) => closeReason(error, connection.deadline),
  );
  assert.equal(result, "eof", `reads asked for ${conn.readSizes.join(", ")}`);
  assert.deepEqual(concat(conn.written), sent);
  assert.equal(budget.reserved, 0);
  connection.deadline[Symbol.dispose]();
});

// Same cause, with room for every connection's record: two connections had each
// held one record's reservation and waited for 25,536 bytes more (hold and wait).
Deno.test("two 40,000-byte records at once, budget of two records, are both echoed", async () => {
  const size = 40_000;
  const budget = new BufferBudget(2 * size);
  const pool = new BufferPool({ mode: "record", recordSize: size });
  using timer = new DeadlineTimer(300, 10);
  const runs = [1, 2].map((seed) => {
    const conn = new ScriptedConn();
    const connection = new EchoConnection(conn, timer.start(() => conn.close()));
    const loop = echoLoop(connection, settings(size, budget), pool, { records: 0, bytes: 0 })
      .then((r) => r, (error) => closeReason(error, connection.deadline));
    const sent = pattern(size, seed);
    conn.push(sent.subarray(0, 16_384)); // what one read of the first buffer takes
    return { conn, connection, loop, sent };
  });
  for (const { conn, sent } of runs) {
    conn.push(sent.subarray(16_384));
    conn.push(null);
  }
  for (const { conn, connection, loop, sent } of runs) {
    assert.equal(await loop, "eof");
    assert.deepEqual(concat(conn.written), sent);
    connection.deadline[Symbol.dispose]();
  }
  assert.equal(budget.reserved, 0);
});

// The same over real sockets, with the smallest budget serve() accepts (one record):
// 40,000 bytes (above), and 20,000, whose growth to 32 KiB had asked for more than
// the whole budget (a RangeError, reason "error").
for (const size of [20_000, 40_000]) {
  Deno.test(`serve() --size ${size} --buffer-budget ${size} echoes a record`, async () => {
    const closed: ConnectionInfo[] = [];
    const server = serve({
      hostname: "127.0.0.1",
      port: 0,
      recordSize: size,
      bufferBudget: size,
      timeoutMs: 500,
      onClose: (info) => closed.push(info),
    });
    try {
      using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
      const sent = pattern(size, 3);
      let at = 0;
      while (at < sent.length) at += await conn.write(sent.subarray(at));
      const echoed = await readRecord(conn, size).catch((error) => error);
      const got = echoed instanceof Uint8Array ? `${echoed.length} bytes` : String(echoed);
      assert.ok(
        echoed instanceof Uint8Array && echoed.length === sent.length &&
          echoed.every((b, i) => b === sent[i]),
        `echo: ${got}; server closed: ${JSON.stringify(closed)}`,
      );
    } finally {
      await server.close();
    }
  });
}

/** A small seeded generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SIZES = [
  1,
  3,
  250,
  1000,
  4096,
  10_000,
  16_384,
  16_385,
  20_000,
  32_768,
  32_769,
  65_536,
  70_000,
  300_000,
];

// Randomized: every byte echoed once, in order; whole records; the budget back to 0.
// The budget here always holds 2 x 64 KiB + 1 record per connection.
Deno.test("randomized echoLoop over scripted connections", async () => {
  const seed = Number(Deno.env.get("ECHO_RANDOM_SEED") ?? 12345);
  const rounds = Number(Deno.env.get("ECHO_RANDOM_ROUNDS") ?? 60);
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)]!;
  for (let round = 0; round < rounds; round++) {
    const stream = rnd() < 0.2;
    const size = pick(SIZES);
    const connections = 1 + Math.floor(rnd() * 3);
    const tight = rnd() < 0.3; // a budget that batching exhausts
    const total = tight ? connections * Math.max(size, 65_536) + 70_000 : 64 * 1024 * 1024;
    const budget = new BufferBudget(total);
    const mode = stream ? "stream" : "record";
    const pool = new BufferPool({ mode, recordSize: size });
    using timer = new DeadlineTimer(5_000, 50);
    const runs = Array.from({ length: connections }, (_, c) => {
      const conn = new ScriptedConn(() => rnd() < 0.2 ? 1 + Math.floor(rnd() * 5000) : Infinity);
      const connection = new EchoConnection(conn, timer.start(() => conn.close()));
      const totals = { records: 0, bytes: 0 };
      const loop = echoLoop(connection, settings(size, budget, mode), pool, totals).then(
        (r) => r,
        (error) => `${closeReason(error, connection.deadline)} ${error}`,
      );
      const records = stream ? 0 : Math.floor(rnd() * Math.max(2, 600_000 / size));
      const extra = rnd() < 0.5 ? Math.floor(rnd() * size) : 0;
      const length = Math.min(
        stream ? Math.floor(rnd() * 700_000) : records * size + extra,
        2_000_000,
      );
      const sent = pattern(length, round * 7 + c);
      return { conn, connection, loop, totals, sent, at: 0 };
    });
    // Feed in random chunks with random pauses (some ping-pong: wait for the echo).
    let live = runs.slice();
    while (live.length > 0) {
      const run = pick(live);
      const style = rnd();
      let chunk: number;
      if (style < 0.3) chunk = size; // one record
      else if (style < 0.6) chunk = 1 + Math.floor(rnd() * 2 * size);
      else if (style < 0.8) chunk = 1 + Math.floor(rnd() * 300_000);
      else chunk = 1 + Math.floor(rnd() * 100);
      const end = Math.min(run.sent.length, run.at + chunk);
      if (end > run.at) run.conn.push(run.sent.subarray(run.at, end));
      run.at = end;
      if (run.at >= run.sent.length) {
        run.conn.push(null);
        live = live.filter((r) => r !== run);
      }
      const pause = rnd();
      if (pause < 0.3) await new Promise((resolve) => setTimeout(resolve, 0));
      else if (pause < 0.4) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    for (const [c, run] of runs.entries()) {
      const what =
        `round ${round} seed ${seed}: ${mode} size ${size}, conn ${c}, ${run.sent.length} bytes, budget ${total}`;
      const result = await run.loop;
      assert.equal(result, "eof", what);
      const echoed = concat(run.conn.written);
      assert.equal(echoed.length, run.sent.length, what);
      assert.ok(echoed.every((b, i) => b === run.sent[i]), `${what}: bytes differ`);
      assert.equal(run.totals.bytes, run.sent.length, what);
      if (!stream) assert.equal(run.totals.records, Math.floor(run.sent.length / size), what);
      // Whole records: each write in record mode is whole records (but the last at EOF).
      if (!stream && !run.conn.partial) {
        const lengths = run.conn.written.map((chunk) => chunk.length);
        const partialTail = run.sent.length % size;
        if (partialTail > 0) assert.equal(lengths.pop(), partialTail, what);
        assert.ok(lengths.every((length) => length % size === 0), `${what}: ${lengths}`);
      }
      run.connection.deadline[Symbol.dispose]();
    }
    assert.equal(budget.reserved, 0, `round ${round}: budget back to 0`);
    assert.equal(budget.waiting, false);
  }
});

// Randomized over real sockets: serve(), several clients, random chunking and pauses.
Deno.test("randomized serve() over loopback sockets", async () => {
  const seed = Number(Deno.env.get("ECHO_RANDOM_SEED") ?? 777);
  const rounds = Number(Deno.env.get("ECHO_RANDOM_SOCKET_ROUNDS") ?? 12);
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)]!;
  for (let round = 0; round < rounds; round++) {
    const stream = rnd() < 0.2;
    const size = pick(SIZES);
    const clients = 1 + Math.floor(rnd() * 4);
    const closed: ConnectionInfo[] = [];
    const server = serve({
      hostname: "127.0.0.1",
      port: 0,
      mode: stream ? "stream" : "record",
      recordSize: size,
      bufferBudget: rnd() < 0.5 ? clients * Math.max(size, 65_536) + 100_000 : 64 * 1024 * 1024,
      timeoutMs: 5_000,
      onClose: (info) => closed.push(info),
    });
    const what = `round ${round} seed ${seed}: size ${size} stream ${stream}`;
    try {
      await Promise.all(Array.from({ length: clients }, async (_, c) => {
        const length = Math.floor(rnd() * (stream ? 500_000 : Math.min(1_000_000, size * 20)));
        const sent = pattern(length, round * 13 + c);
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
        const reading = (async () => {
          const chunks: Uint8Array[] = [];
          const buf = new Uint8Array(70_000);
          for (;;) {
            const n = await conn.read(buf);
            if (n === null) break;
            chunks.push(buf.slice(0, n));
          }
          return concat(chunks);
        })();
        let at = 0;
        while (at < sent.length) {
          const style = rnd();
          const chunk = style < 0.3
            ? size
            : style < 0.7
            ? 1 + Math.floor(rnd() * 2 * size)
            : 1 + Math.floor(rnd() * 100_000);
          const end = Math.min(sent.length, at + chunk);
          while (at < end) at += await conn.write(sent.subarray(at, end));
          const pause = rnd();
          if (pause < 0.2) await new Promise((resolve) => setTimeout(resolve, 1));
        }
        await conn.closeWrite();
        const echoed = await reading;
        conn.close();
        assert.equal(echoed.length, sent.length, `${what} client ${c}`);
        assert.ok(echoed.every((b, i) => b === sent[i]), `${what} client ${c}: bytes differ`);
      }));
      assert.ok(
        closed.every((info) => info.reason === "eof"),
        `${what}: ${JSON.stringify(closed)}`,
      );
    } finally {
      await server.close();
    }
  }
});

// Abort paths with the deadline's signal made only when asked for.
Deno.test("a budget wait started before a shutdown abort ends as shutdown", async () => {
  const size = 100_000;
  const budget = new BufferBudget(size);
  assert.equal(budget.tryReserve(size), true);
  const pool = new BufferPool({ mode: "record", recordSize: size });
  using timer = new DeadlineTimer(10_000);
  const conn = new ScriptedConn();
  const connection = new EchoConnection(conn, timer.start(() => conn.close()));
  const loop = echoLoop(connection, settings(size, budget), pool, { records: 0, bytes: 0 })
    .then((r) => r, (error) => closeReason(error, connection.deadline));
  conn.push(new Uint8Array(20_000));
  await waitFor(() => budget.waiting, "the record waits for the budget");
  connection.deadline.abort(SHUTDOWN_REASON);
  assert.equal(await loop, "shutdown");
  assert.equal(budget.waiting, false);
  assert.equal(budget.reserved, size);
  budget.release(size);
});

for (const where of ["first write", "writeAll after a partial write"] as const) {
  Deno.test(`a stalled ${where} times out, budget back`, async () => {
    const budget = new BufferBudget(1024 * 1024);
    const pool = new BufferPool({ mode: "record", recordSize: 250 });
    using timer = new DeadlineTimer(100, 10);
    let pieces = 0;
    const conn = new ScriptedConn(() => {
      if (where === "writeAll after a partial write" && pieces++ === 3) {
        conn.hang = true;
        return 7;
      }
      return Infinity;
    });
    const connection = new EchoConnection(conn, timer.start(() => conn.close()));
    const loop = echoLoop(connection, settings(250, budget), pool, { records: 0, bytes: 0 })
      .then((r) => r, (error) => closeReason(error, connection.deadline));
    conn.push(new Uint8Array(250 * 3));
    await waitFor(() => concat(conn.written).length === 750, "three records echoed");
    if (where === "first write") conn.hang = true;
    conn.push(new Uint8Array(250 * 40));
    assert.equal(await loop, "timeout");
    assert.equal(budget.reserved, 0);
  });
}

Deno.test("a hard limit ends a ping-pong connection read one record at a time", async () => {
  const budget = new BufferBudget(1024 * 1024);
  const pool = new BufferPool({ mode: "record", recordSize: 250 });
  using timer = new DeadlineTimer(10_000, 10);
  const conn = new ScriptedConn();
  const connection = new EchoConnection(conn, timer.start(() => conn.close()));
  connection.deadline.limit(80);
  const loop = echoLoop(connection, settings(250, budget), pool, { records: 0, bytes: 0 })
    .then((r) => r, (error) => closeReason(error, connection.deadline));
  let done = false;
  loop.then(() => done = true);
  for (let i = 0; i < 1000 && !done; i++) {
    conn.push(new Uint8Array(250));
    await waitFor(() => conn.written.length > i || done, `record ${i} echoed`);
  }
  assert.equal(await loop, "limit");
  assert.equal(budget.reserved, 0);
});

Deno.test("--max-bytes closes with limit before echoing past it, in either read mode", async () => {
  for (const burst of [false, true]) {
    const budget = new BufferBudget(1024 * 1024);
    const pool = new BufferPool({ mode: "record", recordSize: 250 });
    using timer = new DeadlineTimer(10_000);
    const conn = new ScriptedConn();
    const connection = new EchoConnection(conn, timer.start(() => conn.close()));
    const loop = echoLoop(
      connection,
      { ...settings(250, budget), maxBytes: 250 * 10 + 100 },
      pool,
      { records: 0, bytes: 0 },
    );
    if (burst) conn.push(new Uint8Array(250 * 30));
    else {
      let done = false;
      loop.then(() => done = true, () => done = true);
      for (let i = 0; i < 30 && !done; i++) {
        conn.push(new Uint8Array(250));
        await waitFor(() => conn.written.length > i || done, `record ${i} echoed`);
      }
    }
    assert.equal(await loop, "limit");
    const echoed = conn.written.reduce((sum, chunk) => sum + chunk.length, 0);
    assert.ok(echoed <= 250 * 10 + 100, `${echoed}`);
    assert.equal(budget.reserved, 0);
    connection.deadline[Symbol.dispose]();
  }
});

// Grown batch buffers of an idle connection are kept, with their budget, until its
// next read: batching past 64 KiB stops where it would leave less than half the
// budget, so a connection that then needs room for its record finds it (it had waited
// for a release that never came, and timed out).
Deno.test("an idle connection's batch buffer leaves room for a record that needs it", async () => {
  const size = 20_000;
  const budget = new BufferBudget(280_000);
  const pool = new BufferPool({ mode: "record", recordSize: size });
  using timer = new DeadlineTimer(300, 10);
  using idleTimer = new DeadlineTimer(10_000); // A stays idle, within its timeout
  const a = new ScriptedConn();
  const aConnection = new EchoConnection(a, idleTimer.start(() => a.close()));
  const aLoop = echoLoop(aConnection, settings(size, budget), pool, { records: 0, bytes: 0 })
    .then((r) => r, (error) => closeReason(error, aConnection.deadline));
  a.push(new Uint8Array(size * 40)); // back to back: A batches, then goes quiet
  await waitFor(() => concat(a.written).length === size * 40, "A's records echoed");
  const held = budget.reserved;
  const b = new ScriptedConn();
  const bConnection = new EchoConnection(b, timer.start(() => b.close()));
  const bLoop = echoLoop(bConnection, settings(size, budget), pool, { records: 0, bytes: 0 })
    .then((r) => r, (error) => closeReason(error, bConnection.deadline));
  b.push(pattern(size, 9));
  b.push(null);
  const bResult = await bLoop;
  aConnection.deadline.abort(SHUTDOWN_REASON);
  await aLoop;
  assert.equal(bResult, "eof", `A held ${held} of 280,000 while idle; B's record: ${bResult}`);
  assert.deepEqual(concat(b.written), pattern(size, 9));
});
