/** `runProbe()`: a /probe request's series against real sockets on loopback, summed up. */
import assert from "node:assert/strict";
import { probeRequest } from "../cli/exporter_params.ts";
import { PHASES, runProbe } from "../cli/exporter_probe.ts";
import { serve } from "../lib/server.ts";
import { closedPort, FakeServer, readRecord } from "./helpers.ts";

/** Runs the series `query` asks for, as the exporter does (no scrape timeout header). */
async function run(query: string, header: string | null = null) {
  const report = await runProbe(
    probeRequest(new URLSearchParams(query), header, 500),
    new AbortController().signal,
  );
  assert.ok(report, "not aborted");
  return report;
}

Deno.test("runProbe() of a good server: success, probes counted, phases that add up", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const report = await run(`target=127.0.0.1:${server.addr.port}&count=3&interval=10ms`);
  assert.equal(report.success, true);
  assert.deepEqual([report.summary.transmitted, report.summary.received], [3, 3]);
  assert.deepEqual(report.errorCodes, []);
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
  assert.deepEqual(report.errorCodes, ["refused"]);
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
  assert.deepEqual(report.errorCodes, ["mismatch"]);
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

Deno.test("runProbe() counts a series cut short by the scrape's time as a timeout", async () => {
  await using fake = new FakeServer(async (conn, released) => {
    await readRecord(conn, 250); // and never echo
    await released;
  });
  const started = performance.now();
  // 0.8 s scrape timeout less the 0.5 s offset: 300 ms for the series.
  const report = await run(`target=127.0.0.1:${fake.port}&count=5&interval=10ms`, "0.8");
  const elapsed = performance.now() - started;
  assert.equal(report.success, false);
  assert.deepEqual(report.errorCodes, ["timeout"]);
  assert.ok(elapsed >= 290 && elapsed < 2_000, `${elapsed} ms`);
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
