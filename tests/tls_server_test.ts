/**
 * serve({ tls }) (lib/tls_server.ts): the echo over TLS, its deadlines and limits,
 * and its sessions' ends, with Deno's own TLS client (`Deno.startTls`) and the probe.
 */
import assert from "node:assert/strict";
import nodeTls from "node:tls";
import { selfSignedCertificate } from "../lib/certificate.ts";
import type { ConnectionInfo } from "../lib/echo.ts";
import { probe, Prober } from "../lib/probe.ts";
import { readFull, writeAll } from "../lib/record.ts";
import { serve } from "../lib/server.ts";
import type { ServeOptions } from "../lib/serve_options.ts";
import { serverTls } from "../lib/tls_server.ts";
import { TcpDuplex, TlsStream } from "../lib/tls_stream.ts";
import { waitFor } from "./helpers.ts";

const made = await selfSignedCertificate();
const tls = await serverTls(made);
const trust = { caCerts: [made.cert] };

/** A TLS server on loopback that keeps what it logs of each closed connection. */
function tlsServer(options: ServeOptions = {}) {
  const closed: ConnectionInfo[] = [];
  const server = serve({
    hostname: "127.0.0.1",
    port: 0,
    tls,
    onClose: (info) => closed.push(info),
    ...options,
  });
  return { server, closed };
}

/** A node:tls client over a Deno connection, read and written as one (lib/tls_stream.ts). */
async function nodeTlsClient(port: number) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  const duplex = new TcpDuplex(conn);
  const socket = nodeTls.connect({ socket: duplex, ca: made.cert, servername: "localhost" });
  return { stream: new TlsStream(socket, duplex, conn), [Symbol.dispose]: () => conn.close() };
}

/** A client of Deno's own TLS (rustls), independent of the server's node:tls. */
async function denoTlsClient(port: number): Promise<Deno.TlsConn> {
  const tcp = await Deno.connect({ hostname: "127.0.0.1", port });
  tcp.setNoDelay(true);
  return await Deno.startTls(tcp, { hostname: "localhost", caCerts: [made.cert] });
}

Deno.test("serve({ tls }) echoes records, and the partial record left at the client's close_notify", async () => {
  const { server, closed } = tlsServer();
  await using _ = server;
  const result = await probe({
    hostname: "127.0.0.1",
    port: server.addr.port,
    size: 300,
    tls: trust,
  });
  assert.equal(result.bytes, 300);
  await waitFor(() => closed.length === 1, "the close");
  assert.equal(closed[0]!.records, 1);
  assert.equal(closed[0]!.bytes, 300);
  assert.equal(closed[0]!.reason, "eof");
});

Deno.test("serve({ tls, mode: stream }) echoes bytes as they arrive", async () => {
  const { server } = tlsServer({ mode: "stream" });
  await using _ = server;
  using conn = await denoTlsClient(server.addr.port);
  await conn.write(new TextEncoder().encode("hello"));
  const echo = new Uint8Array(5);
  assert.equal(await readFull(conn, echo), 5);
  assert.equal(new TextDecoder().decode(echo), "hello");
});

Deno.test("the server ends a session with close_notify: a strict client sees a clean end", async () => {
  const { server } = tlsServer();
  await using _ = server;
  using conn = await denoTlsClient(server.addr.port);
  await conn.write(new Uint8Array(260).fill(1));
  await conn.closeWrite(); // close_notify: the server echoes the 10 bytes left, then ends
  const echo = new Uint8Array(300);
  // Deno's TLS reads an end without close_notify as an error (UnexpectedEof).
  assert.equal(await readFull(conn, echo), 260);
  assert.equal(await conn.read(echo), null);
});

Deno.test("a peer that stalls in the handshake is closed at the timeout, others are served", async (t) => {
  const hello = Uint8Array.of(0x16, 0x03, 0x01, 0x01, 0x00); // a ClientHello's record header
  for (const [what, sent] of [["silent", new Uint8Array()], ["a partial ClientHello", hello]]) {
    await t.step(what as string, async () => {
      const { server, closed } = tlsServer({ timeoutMs: 200 });
      await using _ = server;
      using staller = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
      if ((sent as Uint8Array).length > 0) await staller.write(sent as Uint8Array);
      // Meanwhile, a probe goes through.
      const result = await probe({ hostname: "127.0.0.1", port: server.addr.port, tls: trust });
      assert.equal(result.bytes, 250);
      await waitFor(() => closed.some((info) => info.reason === "timeout"), "the timeout", 2_000);
      const timedOut = closed.find((info) => info.reason === "timeout")!;
      assert.equal(timedOut.remoteAddr.port, staller.localAddr.port);
      assert.equal(timedOut.bytes, 0);
      assert.ok(timedOut.durationMs >= 200, `closed after ${timedOut.durationMs} ms`);
      assert.equal(await staller.read(new Uint8Array(10)), null, "the server closed it");
    });
  }
});

Deno.test("the limits of the plain server hold over TLS: --max-bytes closes with reason limit", async () => {
  const { server, closed } = tlsServer({ maxBytes: 400 });
  await using _ = server;
  await using prober = new Prober({
    hostname: "127.0.0.1",
    port: server.addr.port,
    reuse: true,
    tls: trust,
  });
  await prober.probe(1);
  await prober.probe(2); // past the limit: the server closes, the prober reconnects once
  assert.equal(prober.drops, 1);
  await waitFor(() => closed.length >= 1, "the close");
  assert.equal(closed[0]!.reason, "limit");
  assert.equal(closed[0]!.bytes, 250);
});

Deno.test("a client that refuses the certificate: the server logs its alert", async () => {
  const { server, closed } = tlsServer();
  await using _ = server;
  const tcp = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  using conn = await Deno.startTls(tcp, { hostname: "localhost" }); // no CA: refuses it
  await assert.rejects(conn.handshake(), /invalid peer certificate/);
  await waitFor(() => closed.length === 1, "the close");
  assert.equal(closed[0]!.reason, "error");
  assert.match(closed[0]!.error?.message ?? "", /alert/i);
});

Deno.test("serverTls() refuses what cannot serve: no certificate, not a key, another key", async () => {
  const other = await selfSignedCertificate();
  const cases: [{ cert: string; key: string }, string][] = [
    [{ cert: "none", key: made.key }, "no certificate"],
    [{ cert: made.cert, key: "none" }, "the key: "],
    [{ cert: made.cert, key: other.key }, "the key is not the certificate's"],
  ];
  for (const [pem, reason] of cases) {
    await assert.rejects(serverTls(pem), (error: Error & { code?: string; value?: string }) => {
      assert.equal(error.code, "invalid");
      assert.ok(error.value?.startsWith(reason), `${error.value} starts with ${reason}`);
      return true;
    });
  }
});

Deno.test("shutdown() over TLS echoes the records already waiting, then ends the session with close_notify", async () => {
  const { server, closed } = tlsServer({ graceMs: 10_000 });
  using conn = await denoTlsClient(server.addr.port);
  const first = new Uint8Array(250).fill(20);
  await conn.write(first);
  assert.equal(await readFull(conn, new Uint8Array(250)), 250); // idle in a read now
  const batch = Uint8Array.from({ length: 250 * 8 }, (_, i) => i % 251);
  await conn.write(batch);
  // The records are in the server's socket, not yet decrypted nor read: the stop
  // comes first, and the drain must still find them (a read that completes).
  const started = performance.now();
  const stopped = server.shutdown();
  const echo = new Uint8Array(batch.length);
  assert.equal(await readFull(conn, echo), batch.length);
  assert.deepEqual(echo, batch);
  // Deno's TLS reads an end without close_notify as an error (UnexpectedEof).
  assert.equal(await conn.read(new Uint8Array(1)), null, "a clean end");
  assert.deepEqual(await stopped, { connections: 1, rejected: 0, records: 9, bytes: 2250 });
  const waited = performance.now() - started;
  assert.ok(waited < 5_000, `closed after ${waited} ms: by the drain, not the grace period`);
  assert.deepEqual(closed.map((info) => [info.reason, info.error]), [["shutdown", undefined]]);
  assert.equal(server.stats().closedBy.shutdown, 1);
});

Deno.test("a TLS connection whose record would pass the buffer budget is not read until the budget frees", async () => {
  const size = 256 * 1024;
  const { server, closed } = tlsServer({ recordSize: size, bufferBudget: size });
  await using _ = server;
  const fill = (seed: number) => Uint8Array.from({ length: size }, (_, i) => (i * 7 + seed) & 0xff);
  const one = fill(1);
  const two = fill(2);
  // node:tls clients: Deno's own (rustls) held back the end of a 129 KiB record here.
  using first = await nodeTlsClient(server.addr.port);
  using second = await nodeTlsClient(server.addr.port);
  await writeAll(first.stream, one.subarray(0, size / 2)); // holds the budget for its record
  await waitFor(() => server.inFlightConnections === 1, "the first half record");
  const sending = writeAll(second.stream, two);
  await waitFor(() => server.inFlightConnections === 2, "the second record to start");
  // The second connection waits, unread, for the budget: no echo while the first holds it.
  const early = await Promise.race([
    readFull(second.stream, new Uint8Array(1)).then(() => "echoed"),
    new Promise((resolve) => setTimeout(resolve, 200, "waiting")),
  ]);
  assert.equal(early, "waiting");
  await writeAll(first.stream, one.subarray(size / 2));
  const echoOne = new Uint8Array(size);
  assert.equal(await readFull(first.stream, echoOne), size);
  assert.deepEqual(echoOne, one);
  await sending;
  const echoTwo = new Uint8Array(size - 1);
  assert.equal(await readFull(second.stream, echoTwo), size - 1);
  assert.deepEqual(echoTwo, two.subarray(1));
  await first.stream.closeWrite();
  await second.stream.closeWrite();
  await waitFor(() => closed.length === 2, "both closes");
  assert.deepEqual(closed.map((info) => info.reason), ["eof", "eof"]);
});
