import assert from "node:assert/strict";
import { EchoError } from "../lib/errors.ts";
import { readFull } from "../lib/record.ts";
import type { ConnectionInfo } from "../lib/echo.ts";
import { serve, type ServeOptions } from "../lib/server.ts";
import { drain, hasIpv6Loopback, readRecord, waitFor } from "./helpers.ts";

/** A loopback server whose connection closes can be awaited one by one. */
function startServer(options: ServeOptions = {}) {
  const closed: ConnectionInfo[] = [];
  const waiters: (() => void)[] = [];
  const server = serve({
    hostname: "127.0.0.1",
    port: 0,
    ...options,
    onClose: (info) => {
      closed.push(info);
      waiters.shift()?.();
    },
  });
  /** Resolves with the info of the `n`th connection to close (from 1). */
  const nthClose = async (n: number): Promise<ConnectionInfo> => {
    while (closed.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
    return closed[n - 1]!;
  };
  return { server, closed, nthClose };
}

function record(seed: number, size = 250): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);
}

Deno.test("serve() echoes one 250-byte record", async () => {
  const { server, nthClose } = startServer();
  await using _ = server;
  {
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    const sent = record(1);
    assert.equal(await conn.write(sent), 250);
    assert.deepEqual(await readRecord(conn, 250), sent);
  }
  const info = await nthClose(1);
  assert.equal(info.records, 1);
  assert.equal(info.bytes, 250);
  assert.equal(info.reason, "eof");
  assert.equal(info.remoteAddr.hostname, "127.0.0.1");
});

Deno.test("serve() echoes a record that arrives one byte at a time", async () => {
  const { server } = startServer();
  await using _ = server;
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  conn.setNoDelay(true);
  const sent = record(2);
  for (let i = 0; i < sent.length; i++) await conn.write(sent.subarray(i, i + 1));
  assert.deepEqual(await readRecord(conn, 250), sent);
});

Deno.test("serve() echoes 1,000 records on one connection, in order", async () => {
  const { server, nthClose } = startServer();
  await using _ = server;
  {
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    conn.setNoDelay(true);
    for (let i = 0; i < 1000; i++) {
      const sent = record(i);
      await conn.write(sent);
      assert.deepEqual(await readRecord(conn, 250), sent, `record ${i}`);
    }
  }
  const info = await nthClose(1);
  assert.equal(info.records, 1000);
  assert.equal(info.bytes, 250_000);
});

Deno.test("serve() echoes records sent back to back before any is read", async () => {
  const { server } = startServer();
  await using _ = server;
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  const batch = new Uint8Array(250 * 40);
  for (let i = 0; i < 40; i++) batch.set(record(i), i * 250);
  await conn.write(batch);
  assert.deepEqual(await readRecord(conn, batch.length), batch);
});

Deno.test("serve() serves 50 concurrent clients", async () => {
  // A backlog that holds all 50: with the default 10, the kernel drops the SYNs past
  // it while the server accepts, and those clients retry a second later.
  const { server, closed, nthClose } = startServer({ backlog: 64 });
  await using _ = server;
  const clients = Array.from({ length: 50 }, async (_, n) => {
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    for (let i = 0; i < 5; i++) {
      const sent = record(n * 10 + i);
      await conn.write(sent);
      assert.deepEqual(await readRecord(conn, 250), sent);
    }
  });
  await Promise.all(clients);
  await nthClose(50);
  assert.equal(closed.length, 50);
  assert.ok(closed.every((info) => info.records === 5 && info.reason === "eof"));
});

Deno.test("serve() echoes a partial record at EOF, then closes", async () => {
  const { server, nthClose } = startServer();
  await using _ = server;
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  const sent = record(3, 250 + 120);
  await conn.write(sent);
  await conn.closeWrite();
  assert.deepEqual(await readRecord(conn, 1000), sent);
  const info = await nthClose(1);
  assert.equal(info.records, 1);
  assert.equal(info.bytes, 370);
  assert.equal(info.reason, "eof");
});

Deno.test("serve() echoes to each connection only its own bytes, with buffers reused", async () => {
  const { server, nthClose } = startServer();
  await using _ = server;
  // The first connection ends with part of a record in its buffer; the next one (which
  // gets that buffer back) sends fewer bytes, in two pieces, then ends.
  const exchanges = [record(1, 250 + 240), record(2, 10), record(3, 250 + 30)];
  for (const [i, sent] of exchanges.entries()) {
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await conn.write(sent.subarray(0, 5));
    await conn.write(sent.subarray(5));
    await conn.closeWrite();
    assert.deepEqual(await readRecord(conn, 1000), sent, `connection ${i + 1}`);
    assert.equal((await nthClose(i + 1)).bytes, sent.length);
  }
});

Deno.test("serve() closes a stalled client at the timeout, with reason timeout", async () => {
  const { server, nthClose } = startServer({ timeoutMs: 200 });
  await using _ = server;
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  await conn.write(record(4, 100)); // then nothing more
  const started = performance.now();
  await drain(conn); // the server closes: EOF here
  const waited = performance.now() - started;
  const info = await nthClose(1);
  assert.equal(info.reason, "timeout");
  assert.equal(info.bytes, 0);
  assert.equal(server.activeConnections, 0);
  assert.ok(waited >= 150, `closed after ${waited} ms`);
});

Deno.test("stats() counts closed connections by reason and rejected ones by rule", async () => {
  const { server, nthClose } = startServer({ timeoutMs: 200, maxConnections: 1 });
  await using _ = server;
  const port = server.addr.port;
  {
    using conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(record(1));
    assert.deepEqual(await readRecord(conn, 250), record(1));
    await conn.closeWrite();
    await drain(conn);
    assert.equal((await nthClose(1)).reason, "eof");
  }
  using stalled = await Deno.connect({ hostname: "127.0.0.1", port });
  await stalled.write(record(2, 10)); // part of a record, then nothing: a timeout
  await waitFor(() => server.inFlightConnections === 1, "the server to read the 10 bytes");
  {
    using extra = await Deno.connect({ hostname: "127.0.0.1", port });
    await drain(extra); // closed at accept: one connection at most
  }
  await drain(stalled);
  assert.equal((await nthClose(2)).reason, "timeout");
  const stats = server.stats();
  assert.deepEqual(stats.closedBy, {
    eof: 1,
    timeout: 1,
    reset: 0,
    error: 0,
    shutdown: 0,
    limit: 0,
  });
  assert.deepEqual(stats.rejectedBy, { "max-connections": 1, "max-per-ip": 0, "not-allowed": 0 });
  assert.equal(stats.rejected, 1);
  stats.closedBy.eof = 100;
  assert.equal(server.stats().closedBy.eof, 1, "stats() gives a copy");
});

Deno.test("serve() times out only the stalled connection, not a busy one", async () => {
  const { server, nthClose } = startServer({ timeoutMs: 200 });
  await using _ = server;
  using stalled = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  using busy = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  const closing = drain(stalled);
  let exchanges = 0;
  // Keep the busy connection exchanging until the stalled one is closed.
  const stop = nthClose(1);
  let done = false;
  stop.then(() => done = true);
  while (!done && exchanges < 100_000) {
    await busy.write(record(exchanges));
    await readRecord(busy, 250);
    exchanges++;
  }
  await closing;
  const info = await stop;
  assert.equal(info.reason, "timeout");
  assert.equal(info.records, 0);
  assert.equal(server.activeConnections, 1, "the busy connection is still open");
  const sent = record(99);
  await busy.write(sent);
  assert.deepEqual(await readRecord(busy, 250), sent);
});

Deno.test("serve() in stream mode echoes bytes as they arrive", async () => {
  const { server, nthClose } = startServer({ mode: "stream" });
  await using _ = server;
  {
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await conn.write(new Uint8Array([1, 2, 3]));
    assert.deepEqual(await readRecord(conn, 3), new Uint8Array([1, 2, 3]));
  }
  const info = await nthClose(1);
  assert.equal(info.bytes, 3);
  assert.equal(info.reason, "eof");
});

Deno.test("serve() uses the record size it is given", async () => {
  const { server, nthClose } = startServer({ recordSize: 1000 });
  await using _ = server;
  {
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    const sent = record(5, 1000);
    await conn.write(sent.subarray(0, 600));
    await conn.write(sent.subarray(600));
    assert.deepEqual(await readRecord(conn, 1000), sent);
  }
  assert.equal((await nthClose(1)).records, 1);
});

Deno.test("shutdown() closes idle connections and lets a record in flight finish", async () => {
  const { server, closed, nthClose } = startServer({ graceMs: 10_000 });
  const port = server.addr.port;
  using idle = await Deno.connect({ hostname: "127.0.0.1", port });
  using busy = await Deno.connect({ hostname: "127.0.0.1", port });
  // Both connections exchange one record, so both are accepted and known.
  for (const conn of [idle, busy]) {
    await conn.write(record(6));
    await readRecord(conn, 250);
  }
  const sent = record(7);
  await busy.write(sent.subarray(0, 100)); // a record in flight
  await waitFor(() => server.inFlightConnections === 1, "the server to read the 100 bytes");
  const stopped = server.shutdown();
  const idleClose = await nthClose(1);
  assert.equal(idleClose.reason, "shutdown");
  assert.equal(idleClose.records, 1);
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port }),
    Deno.errors.ConnectionRefused,
  );
  await busy.write(sent.subarray(100));
  assert.deepEqual(await readRecord(busy, 250), sent);
  await drain(busy);
  const summary = await stopped;
  assert.equal(closed[1]?.reason, "shutdown");
  assert.equal(closed[1]?.records, 2);
  assert.deepEqual(summary, { connections: 2, rejected: 0, records: 3, bytes: 750 });
});

Deno.test("shutdown() closes a record in flight once the grace period ends", async () => {
  const { server, nthClose } = startServer({ graceMs: 100 });
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  await conn.write(record(8));
  await readRecord(conn, 250);
  await conn.write(record(9, 10)); // never completed
  await waitFor(() => server.inFlightConnections === 1, "the server to read the 10 bytes");
  const started = performance.now();
  await server.shutdown();
  const waited = performance.now() - started;
  const info = await nthClose(1);
  assert.equal(info.reason, "shutdown");
  assert.ok(waited >= 90, `closed after ${waited} ms, before the grace period ended`);
  await drain(conn);
});

Deno.test("a restarted server binds the same port at once after it closed a connection", async () => {
  const first = startServer();
  const port = first.server.addr.port;
  {
    using conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(record(10));
    await readRecord(conn, 250);
    // The server closes first, so its side of the connection is left in TIME_WAIT:
    // binding the port again needs SO_REUSEADDR.
    await first.server.close();
    await drain(conn);
  }
  assert.equal((await first.nthClose(1)).reason, "shutdown");
  const second = startServer({ port });
  await using _ = second.server;
  assert.equal(second.server.addr.port, port);
  using conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const sent = record(11);
  await conn.write(sent);
  assert.deepEqual(await readRecord(conn, 250), sent);
});

Deno.test("serve() throws EchoError 'listen' when the port is in use", () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  assert.throws(
    () => serve({ hostname: "127.0.0.1", port: taken.addr.port }),
    (error) =>
      error instanceof EchoError && error.code === "listen" &&
      error.message === `Cannot listen on "127.0.0.1:${taken.addr.port}": address in use` &&
      error.cause instanceof Deno.errors.AddrInUse,
  );
});

Deno.test({
  name: "serve() echoes over IPv6 loopback",
  ignore: !hasIpv6Loopback(),
  async fn() {
    await using server = serve({ hostname: "::1", port: 0 });
    using conn = await Deno.connect({ hostname: "::1", port: server.addr.port });
    const sent = record(12);
    await conn.write(sent);
    const echo = new Uint8Array(250);
    assert.equal(await readFull(conn, echo), 250);
    assert.deepEqual(echo, sent);
  },
});

Deno.test("shutdown() echoes the records already waiting in the socket of an idle connection, then closes", async () => {
  const { server, nthClose } = startServer({ graceMs: 10_000 });
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  await conn.write(record(20));
  await readRecord(conn, 250); // accepted, and idle in a read
  const batch = new Uint8Array(250 * 8);
  for (let i = 0; i < 8; i++) batch.set(record(21 + i), i * 250);
  await conn.write(batch);
  // The bytes are in the server's socket (loopback delivers them within the write),
  // and its pending read has not seen them yet: the stop comes first.
  const stopped = server.shutdown();
  assert.deepEqual(await readRecord(conn, batch.length), batch);
  await drain(conn);
  const info = await nthClose(1);
  assert.equal(info.reason, "shutdown");
  assert.equal(info.records, 9);
  assert.deepEqual(await stopped, { connections: 1, rejected: 0, records: 9, bytes: 2250 });
});

Deno.test("shutdown() echoes the records that keep arriving from a pipelining client, then closes when none is left", async () => {
  const { server, nthClose } = startServer({ graceMs: 10_000 });
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  await conn.write(record(30));
  await readRecord(conn, 250);
  // 2 MiB of records, more than the socket buffers hold unread: the server is still
  // echoing them when it stops, and the client is still sending.
  const count = 8_192;
  const sent = new Uint8Array(250 * count);
  for (let i = 0; i < count; i++) sent.set(record(i), i * 250);
  const writing = conn.write(sent).then(async (n) => {
    let written = n;
    while (written < sent.length) written += await conn.write(sent.subarray(written));
  });
  const echo = new Uint8Array(sent.length);
  let received = await conn.read(echo) ?? 0; // the echo has begun
  const started = performance.now();
  const stopped = server.shutdown();
  received += await readFull(conn, echo.subarray(received));
  await writing;
  assert.equal(received, sent.length, "every record sent was echoed");
  assert.deepEqual(echo, sent);
  await drain(conn);
  assert.equal((await nthClose(1)).reason, "shutdown");
  assert.equal((await stopped).records, count + 1);
  const waited = performance.now() - started;
  assert.ok(waited < 5_000, `closed after ${waited} ms: not cut by the grace period`);
});

Deno.test("shutdown() lets a connection that sends nothing more go within a few checks", async () => {
  const { server, nthClose } = startServer({ graceMs: 10_000 });
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  await conn.write(record(40));
  await readRecord(conn, 250);
  const started = performance.now();
  await server.shutdown();
  const waited = performance.now() - started;
  assert.equal((await nthClose(1)).reason, "shutdown");
  assert.ok(waited < 1_000, `closed after ${waited} ms`);
  await drain(conn);
});

Deno.test("a connection whose record would pass the buffer budget is not read until the budget frees", async () => {
  const size = 256 * 1024;
  const { server, nthClose } = startServer({ recordSize: size, bufferBudget: size });
  await using _ = server;
  const port = server.addr.port;
  using first = await Deno.connect({ hostname: "127.0.0.1", port });
  using second = await Deno.connect({ hostname: "127.0.0.1", port });
  const one = record(50, size);
  const two = record(51, size);
  await first.write(one.subarray(0, size / 2)); // holds the whole budget for its record
  await waitFor(() => server.inFlightConnections === 1, "the first half record");
  const sending = (async () => {
    let written = 0;
    while (written < size) written += await second.write(two.subarray(written));
  })();
  await waitFor(() => server.inFlightConnections === 2, "the second record to start");
  // The second connection waits, unread, for the budget: no echo while the first holds it.
  const early = await Promise.race([
    readRecord(second, 1).then(() => "echoed"),
    new Promise((resolve) => setTimeout(resolve, 200, "waiting")),
  ]);
  assert.equal(early, "waiting");
  await first.write(one.subarray(size / 2));
  assert.deepEqual(await readRecord(first, size), one);
  await sending;
  const echo = await readRecord(second, size - 1);
  assert.equal(echo.length, size - 1);
  assert.deepEqual(echo, two.subarray(1));
  first.close();
  second.close();
  assert.equal((await nthClose(1)).reason, "eof");
  assert.equal((await nthClose(2)).reason, "eof");
});

Deno.test("serve() refuses a buffer budget smaller than one record", () => {
  assert.throws(
    () => serve({ hostname: "127.0.0.1", port: 0, recordSize: 1000, bufferBudget: 999 }),
    RangeError,
  );
});

Deno.test("shutdown() counts each connection once by why it closed: drained or cut by the grace as shutdown, ended by its peer as eof", async () => {
  const { server, nthClose } = startServer({ graceMs: 300 });
  const port = server.addr.port;
  using drained = await Deno.connect({ hostname: "127.0.0.1", port });
  using ending = await Deno.connect({ hostname: "127.0.0.1", port });
  using stuck = await Deno.connect({ hostname: "127.0.0.1", port });
  await drained.write(record(60));
  await readRecord(drained, 250);
  await ending.write(record(61).subarray(0, 100));
  await stuck.write(record(62).subarray(0, 100));
  await waitFor(() => server.inFlightConnections === 2, "two partial records");
  const stopped = server.shutdown();
  assert.equal((await nthClose(1)).reason, "shutdown", "the idle one, drained");
  await ending.closeWrite(); // its partial record is echoed, then it ends
  assert.deepEqual(await readRecord(ending, 100), record(61).subarray(0, 100));
  assert.equal((await nthClose(2)).reason, "eof");
  assert.equal((await nthClose(3)).reason, "shutdown", "the partial record cut by the grace");
  await stopped;
  const { closedBy, rejectedBy } = server.stats();
  assert.deepEqual(closedBy, { eof: 1, timeout: 0, reset: 0, error: 0, shutdown: 2, limit: 0 });
  assert.deepEqual(rejectedBy, { "max-connections": 0, "max-per-ip": 0, "not-allowed": 0 });
  for (const conn of [drained, ending, stuck]) await drain(conn);
});
