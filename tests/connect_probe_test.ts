/**
 * Connect-only probes (lib/connect_probe.ts): any TCP service answers them, with the
 * same errors, series and load as echo probes.
 */
import assert from "node:assert/strict";
import { selfSignedCertificate } from "../lib/certificate.ts";
import type { ConnectionInfo } from "../lib/echo.ts";
import { ProbeError } from "../lib/errors.ts";
import { load } from "../lib/load.ts";
import { probe, Prober } from "../lib/probe.ts";
import { probeSeries } from "../lib/series.ts";
import { serve } from "../lib/server.ts";
import { serverTls } from "../lib/tls_server.ts";
import { closedPort, drain, FakeServer, waitFor } from "./helpers.ts";

/** A TCP service that never sends a byte, and counts the bytes it was sent. */
function silentService() {
  const received: number[] = [];
  const server = new FakeServer(async (conn) => {
    let bytes = 0;
    const buffer = new Uint8Array(1024);
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) bytes += n;
    received.push(bytes);
  });
  return { server, received };
}

Deno.test("a connect-only probe of a service that never echoes succeeds: nothing sent, the connect timed", async () => {
  const { server, received } = silentService();
  await using _ = server;
  const result = await probe({ hostname: "127.0.0.1", port: server.port, connectOnly: true });
  assert.equal(result.connectOnly, true);
  assert.equal(result.bytes, 0);
  assert.equal(result.echoMs, 0);
  assert.equal(result.timeMs, result.connectMs);
  assert.ok(result.connectMs > 0);
  assert.equal(result.totalMs, result.resolveMs + result.timeMs);
  assert.equal(result.tls, undefined);
  await waitFor(() => received.length === 1, "the service to see the end");
  assert.deepEqual(received, [0]);
  // An echo probe of the same service fails, as every probe did before connect-only.
  const echo = await probe({ hostname: "127.0.0.1", port: server.port }).then(
    () => assert.fail("an echo probe of a silent service succeeded"),
    (error: unknown) => error,
  );
  assert.ok(echo instanceof ProbeError && echo.code === "short");
});

Deno.test("a connect-only probe keeps the probe's errors: refused", async () => {
  const error = await probe({ hostname: "127.0.0.1", port: closedPort(), connectOnly: true }).then(
    () => assert.fail("connected to a closed port"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof ProbeError);
  assert.equal(error.code, "refused");
});

Deno.test("a connect-only probe over TLS times and checks the handshake, then ends it, sending nothing", async () => {
  const made = await selfSignedCertificate();
  const closed: ConnectionInfo[] = [];
  await using server = serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: await serverTls(made),
    onClose: (info) => closed.push(info),
  });
  const result = await probe({
    hostname: "localhost",
    port: server.addr.port,
    connectOnly: true,
    tls: { caCerts: [made.cert] },
  });
  assert.equal(result.bytes, 0);
  assert.ok(result.tlsMs! > 0);
  assert.ok(Math.abs(result.timeMs - (result.connectMs + result.tlsMs!)) < 0.001);
  assert.deepEqual(result.tls?.verified, ["chain", "name"]);
  assert.equal(result.tls?.certificate.sha256, made.sha256);
  await waitFor(() => closed.length === 1, "the close");
  assert.deepEqual([closed[0]!.bytes, closed[0]!.reason], [0, "eof"], "close_notify, no data");
});

Deno.test("connect-only series and load: each probe a new connection, load counts no bytes", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let accepted = 0;
  const accepting = (async () => {
    for await (const conn of listener) {
      accepted++;
      drain(conn).finally(() => conn.close());
    }
  })();
  const target = { hostname: "127.0.0.1", port: listener.addr.port, connectOnly: true };
  const seqs: number[] = [];
  for await (const outcome of probeSeries({ ...target, count: 3, intervalMs: 1, reuse: true })) {
    assert.ok(outcome.ok);
    seqs.push(outcome.seq);
  }
  assert.deepEqual(seqs, [1, 2, 3]);
  const report = await load({ ...target, concurrency: 4, count: 40 });
  assert.deepEqual([report.ok, report.failed, report.bytes], [40, 0, 0]);
  assert.equal(report.megabytesPerSecond, 0);
  await using prober = new Prober({ ...target, reuse: true });
  await prober.probe(1);
  await waitFor(() => accepted === 3 + 40 + 1, "every connection accepted, none reused");
  listener.close();
  await accepting;
});
