/**
 * `runProbe()`: a /probe request's TCP series against real sockets on loopback, summed
 * up: echo, connect-only and TLS probes (certificates of tests/tls_fixtures.ts).
 */
import assert from "node:assert/strict";
import { probeRequest } from "../cli/exporter_params.ts";
import { PHASES, runProbe } from "../cli/exporter_probe.ts";
import { serve } from "../lib/server.ts";
import { serverTls } from "../lib/tls_server.ts";
import { closedPort, FakeServer, readRecord } from "./helpers.ts";
import { type CertName, TestPki } from "./tls_fixtures.ts";

const pki = await TestPki.create();

/** Runs the series `query` asks for, as the exporter does (no scrape timeout header). */
async function run(query: string, header: string | null = null, caCerts?: string[]) {
  const report = await runProbe(
    probeRequest(new URLSearchParams(query), header, 500, caCerts),
    new AbortController().signal,
  );
  assert.ok(report, "not aborted");
  return report;
}

/** A TLS echo server with one of the test certificates. */
async function tlsServer(name: CertName) {
  return serve({
    hostname: "127.0.0.1",
    port: 0,
    timeoutMs: 5_000,
    tls: await serverTls({ cert: pki.cert(name), key: pki.key(name) }),
  });
}

Deno.test("runProbe() of a good server: success, probes counted, phases that add up", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const report = await run(`target=127.0.0.1:${server.addr.port}&count=3&interval=10ms`);
  assert.equal(report.success, true);
  assert.deepEqual([report.summary.transmitted, report.summary.received], [3, 3]);
  assert.deepEqual(report.errors, []);
  assert.equal(report.failedAttempts, 0);
  assert.equal(report.tls, undefined);
  assert.equal(report.phasesMs.tls, 0, "no TLS, no handshake");
  assert.equal(report.ipFamily, 4);
  assert.equal(report.dnsLookupMs, 0, "an IP address is not looked up");
  assert.equal(report.failedDueToBytes, false);
  for (const phase of PHASES) assert.ok(report.phasesMs[phase] >= 0, phase);
  assert.ok(report.phasesMs.connect > 0);
  const phases = PHASES.reduce((sum, phase) => sum + report.phasesMs[phase], 0);
  assert.ok(Math.abs(phases - report.summary.avgMs) < 1e-9, `${phases} vs ${report.summary.avgMs}`);
  assert.ok(report.durationMs >= 20, "two intervals of 10 ms");
});

Deno.test("runProbe() times the name lookup and reports the family of what it resolved", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const report = await run(`target=localhost:${server.addr.port}&ip=4`);
  assert.equal(report.success, true);
  assert.equal(report.ipFamily, 4);
  assert.ok(report.dnsLookupMs > 0);
  assert.equal(report.phasesMs.resolve, report.dnsLookupMs);
});

Deno.test("runProbe() of a closed port: failure, code refused, no RTT", async () => {
  const report = await run(`target=127.0.0.1:${closedPort()}&count=2&interval=10ms`);
  assert.equal(report.success, false);
  assert.deepEqual(report.errors, [{ code: "refused", phase: "connect" }]);
  assert.equal(report.failedAttempts, 2, "one refused attempt per probe");
  assert.deepEqual([report.summary.transmitted, report.summary.received], [2, 0]);
  assert.ok(Number.isNaN(report.summary.avgMs));
  assert.equal(report.ipFamily, 4, "known from the literal");
});

Deno.test("runProbe() of a server that changes a byte: mismatch, its offset, failed due to bytes", async () => {
  await using fake = new FakeServer(async (conn) => {
    const bytes = await readRecord(conn, 250);
    bytes[17]! ^= 0xff;
    await conn.write(bytes);
  });
  const report = await run(`target=127.0.0.1:${fake.port}`);
  assert.equal(report.success, false);
  assert.deepEqual(report.errors, [{ code: "mismatch", phase: "echo" }]);
  assert.equal(report.failedDueToBytes, true);
  assert.deepEqual(report.mismatch, { offset: 17, differing: 1 });
});

Deno.test("runProbe() with max_loss succeeds while the loss is within it", async () => {
  let connections = 0;
  await using fake = new FakeServer(async (conn) => {
    const bytes = await readRecord(conn, 250);
    if (++connections === 2) bytes[0]! ^= 1; // one of four probes comes back changed
    await conn.write(bytes);
  });
  const query = `target=127.0.0.1:${fake.port}&count=4&interval=1ms`;
  assert.equal((await run(`${query}&max_loss=25`)).success, true);
  connections = 0;
  assert.equal((await run(`${query}&max_loss=20`)).success, false);
  connections = 0;
  assert.equal((await run(query)).success, false, "without max_loss, any failure fails");
});

Deno.test("runProbe() counts a probe the scrape's time cuts short as a timeout, in its phase", async () => {
  await using fake = new FakeServer(async (conn, released) => {
    await readRecord(conn, 250); // and never echo
    await released;
  });
  const started = performance.now();
  // 0.8 s scrape timeout less the 0.5 s offset: 300 ms for the series.
  const report = await run(`target=127.0.0.1:${fake.port}&count=5&interval=10ms`, "0.8");
  const elapsed = performance.now() - started;
  assert.equal(report.success, false);
  assert.deepEqual([report.summary.transmitted, report.summary.received], [1, 0]);
  assert.deepEqual(report.errors, [{ code: "timeout", phase: "echo" }]);
  assert.ok(elapsed >= 290 && elapsed < 2_000, `${elapsed} ms`);
});

Deno.test("runProbe() counts no probe when the scrape's time ends between two probes", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  // 300 ms for the series: the first probe, then the wait for the second ends it.
  const report = await run(`target=127.0.0.1:${server.addr.port}&count=3&interval=1s`, "0.8");
  assert.equal(report.success, true, JSON.stringify(report.errors));
  assert.deepEqual([report.summary.transmitted, report.summary.received], [1, 1]);
  assert.deepEqual(report.errors, []);
});

Deno.test("runProbe() of a server that answers with something else and closes: failed due to bytes", async () => {
  await using fake = new FakeServer(async (conn) => {
    await readRecord(conn, 250);
    await conn.write(new TextEncoder().encode("HTTP/1.0 400 Bad\r\n\r\n")); // 20 bytes
  });
  const report = await run(`target=127.0.0.1:${fake.port}`);
  assert.equal(report.success, false);
  assert.deepEqual(report.errors, [{ code: "mismatch", phase: "echo" }]);
  assert.equal(report.failedDueToBytes, true);
  assert.equal(report.mismatch?.offset, 0);
});

Deno.test("runProbe() gives up at once, without a report, when the exporter stops", async () => {
  await using fake = new FakeServer(async (conn, released) => {
    await readRecord(conn, 250);
    await released;
  });
  const stop = new AbortController();
  const running = runProbe(
    probeRequest(new URLSearchParams(`target=127.0.0.1:${fake.port}`), null, 500),
    stop.signal,
  );
  await fake.accepted;
  stop.abort();
  assert.equal(await running, undefined);
});

Deno.test("runProbe() of a server that echoes more than it was sent: extra, failed due to bytes", async () => {
  await using fake = new FakeServer(async (conn) => {
    const bytes = await readRecord(conn, 250);
    await conn.write(bytes);
    await conn.write(new Uint8Array(5));
  });
  const report = await run(`target=127.0.0.1:${fake.port}`);
  assert.equal(report.success, false);
  assert.deepEqual(report.errors, [{ code: "extra", phase: "echo" }]);
  assert.equal(report.failedDueToBytes, true);
  assert.equal(report.mismatch, undefined);
});

Deno.test("runProbe() with connect_only of a listener that never answers: connected, nothing sent", async () => {
  // Never accepted, never read: the kernel completes the connect from the backlog.
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const target = `target=127.0.0.1:${listener.addr.port}`;
  const report = await run(`${target}&connect_only=1&count=3&interval=10ms`);
  assert.equal(report.success, true);
  assert.deepEqual([report.summary.transmitted, report.summary.received], [3, 3]);
  assert.ok(report.phasesMs.connect > 0);
  assert.deepEqual(
    [report.phasesMs.tls, report.phasesMs.first_byte, report.phasesMs.echo],
    [0, 0, 0],
    "the connect is the whole probe",
  );
  assert.ok(Math.abs(report.summary.avgMs - report.phasesMs.connect) < 1e-9);
  // The same listener fails an echo probe: it never echoes.
  const echo = await run(`${target}&timeout=100ms`);
  assert.equal(echo.success, false);
  assert.deepEqual(echo.errors, [{ code: "timeout", phase: "echo" }]);
});

Deno.test("runProbe() over TLS: the tls phase, the certificate's expiry and version, what was checked", async () => {
  await using server = await tlsServer("good");
  const report = await run(
    `target=127.0.0.1:${server.addr.port}&tls=1&count=2&interval=10ms`,
    null,
    [pki.ca],
  );
  assert.equal(report.success, true, JSON.stringify(report.errors));
  assert.ok(report.phasesMs.tls > 0, "the handshake is timed apart");
  const phases = PHASES.reduce((sum, phase) => sum + report.phasesMs[phase], 0);
  assert.ok(Math.abs(phases - report.summary.avgMs) < 1e-9, `${phases} vs ${report.summary.avgMs}`);
  assert.equal(report.tls?.version, "TLSv1.3");
  assert.deepEqual(report.tls?.verified, ["chain", "name"]);
  const daysLeft = (report.tls!.notAfter!.getTime() - Date.now()) / 86_400_000;
  assert.ok(daysLeft > 29 && daysLeft <= 30, `${daysLeft} days left of 30`);
  // connect_only=1 with tls=1: the handshake and no echo, a certificate check.
  const check = await run(`target=127.0.0.1:${server.addr.port}&tls=1&connect_only=1`, null, [
    pki.ca,
  ]);
  assert.equal(check.success, true);
  assert.ok(check.phasesMs.tls > 0 && check.phasesMs.first_byte === 0);
  assert.equal(check.tls?.version, "TLSv1.3");
});

Deno.test("runProbe() over TLS of certificates that do not verify: code tls, phase and reason", async () => {
  const cases: [CertName, string, string][] = [
    ["expired", "", "expired"],
    ["stranger", "", "unknown-issuer"],
    ["wrong", "", "name-mismatch"],
    ["good", "&pin_sha256=" + "AB:".repeat(31) + "AB", "pin-mismatch"],
  ];
  for (const [name, more, reason] of cases) {
    await using server = await tlsServer(name);
    const report = await run(`target=127.0.0.1:${server.addr.port}&tls=1${more}`, null, [pki.ca]);
    assert.equal(report.success, false, name);
    assert.deepEqual(report.errors, [{ code: "tls", phase: "tls", reason }], name);
    assert.equal(report.tls?.notAfter, undefined, "no handshake, no certificate to report");
  }
  // Without the exporter's CA the root store does not know the test CA.
  await using good = await tlsServer("good");
  const unknown = await run(`target=127.0.0.1:${good.addr.port}&tls=1`);
  assert.deepEqual(unknown.errors, [{ code: "tls", phase: "tls", reason: "unknown-issuer" }]);
  // insecure_skip_verify=1 accepts it, and says nothing was checked.
  const insecure = await run(`target=127.0.0.1:${good.addr.port}&insecure_skip_verify=1`);
  assert.equal(insecure.success, true);
  assert.deepEqual(insecure.tls?.verified, []);
});

Deno.test("the test certificates are removed after", async () => {
  await pki[Symbol.asyncDispose]();
});
