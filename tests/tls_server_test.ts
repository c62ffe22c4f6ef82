/**
 * serve({ tls }) (lib/tls_server.ts): the echo over TLS, its deadlines and limits,
 * and its sessions' ends, with Deno's own TLS client (`Deno.startTls`) and the probe.
 */
import assert from "node:assert/strict";
import { selfSignedCertificate } from "../lib/certificate.ts";
import type { ConnectionInfo } from "../lib/echo.ts";
import { probe, Prober } from "../lib/probe.ts";
import { readFull } from "../lib/record.ts";
import { serve } from "../lib/server.ts";
import type { ServeOptions } from "../lib/serve_options.ts";
import { serverTls } from "../lib/tls_server.ts";
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
