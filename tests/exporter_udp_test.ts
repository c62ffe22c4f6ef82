/**
 * `runUdpProbe()`: a /probe?proto=udp request's series against real UDP sockets on
 * loopback (echoprobe's UDP server, and test doubles that duplicate, drop, delay and
 * change replies), summed up for the metrics.
 */
import assert from "node:assert/strict";
import { probeRequest } from "../cli/exporter_params.ts";
import { runUdpProbe } from "../cli/exporter_udp.ts";
import { serveUdp } from "../lib/udp_server.ts";
import { FakeUdpServer, seqOf } from "./udp_helpers.ts";

/** Runs the UDP series `query` asks for, as the exporter does. */
async function run(query: string, header: string | null = null) {
  const report = await runUdpProbe(
    probeRequest(new URLSearchParams(`proto=udp&${query}`), header, 500),
    new AbortController().signal,
  );
  assert.ok(report, "not aborted");
  return report;
}

Deno.test("runUdpProbe() of echoprobe's UDP server: every probe answered, RTT and RFC 3550 jitter", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
  const report = await run(`target=127.0.0.1:${server.addr.port}&count=5&interval=10ms`);
  assert.equal(report.proto, "udp");
  assert.equal(report.success, true, JSON.stringify(report.errors));
  assert.deepEqual([report.summary.transmitted, report.summary.received], [5, 5]);
  assert.deepEqual(report.udp, { lost: 0, duplicates: 0, reordered: 0, late: 0, stray: 0 });
  assert.ok(report.summary.avgMs > 0);
  assert.ok(report.summary.jitterMs >= 0, "known from the second reply on");
  assert.deepEqual([report.ipFamily, report.dnsLookupMs, report.tls], [4, 0, undefined]);
  assert.equal(server.stats().answered, 5);
});

Deno.test("runUdpProbe() counts duplicates and lost probes; max_loss decides success", async () => {
  // Each datagram answered twice, but probe 2's never.
  await using fake = new FakeUdpServer(async (datagram, _from, reply) => {
    if (seqOf(datagram) === 2) return;
    await reply(datagram);
    await reply(datagram);
  });
  const query = `target=127.0.0.1:${fake.port}&count=4&interval=10ms&timeout=200ms`;
  const report = await run(`${query}&max_loss=25`);
  assert.equal(report.success, true, "25% lost, within max_loss=25");
  assert.deepEqual([report.summary.transmitted, report.summary.received], [4, 3]);
  assert.equal(report.udp?.lost, 1);
  assert.equal(report.udp?.duplicates, 3);
  assert.deepEqual(report.errors, [{ code: "timeout" }]);
  assert.equal(report.failedDueToBytes, false);
  assert.equal((await run(query)).success, false, "without max_loss, a lost probe fails");
});

Deno.test("runUdpProbe() counts a reply after its timeout as late, and the probe as lost", async () => {
  const third = Promise.withResolvers<void>();
  await using fake = new FakeUdpServer(async (datagram, _from, reply) => {
    const seq = seqOf(datagram);
    if (seq === 3) third.resolve();
    // Probe 1's reply waits for probe 3 to arrive: long after probe 1's 150 ms.
    if (seq === 1) await third.promise;
    await reply(datagram);
  });
  const report = await run(
    `target=127.0.0.1:${fake.port}&count=3&interval=200ms&timeout=150ms&max_loss=50`,
  );
  assert.deepEqual([report.summary.transmitted, report.summary.received], [3, 2]);
  assert.deepEqual(report.udp, { lost: 1, duplicates: 0, reordered: 0, late: 1, stray: 0 });
  assert.equal(report.success, true);
});

Deno.test("runUdpProbe() of a server that changes a byte: mismatch, its offset, failed due to bytes", async () => {
  await using fake = new FakeUdpServer(async (datagram, _from, reply) => {
    datagram[30]! ^= 0xff; // in the payload, after the 20-byte header
    await reply(datagram);
  });
  const report = await run(`target=127.0.0.1:${fake.port}&size=100`);
  assert.equal(report.success, false);
  assert.deepEqual(report.errors, [{ code: "mismatch", phase: "echo" }]);
  assert.equal(report.failedDueToBytes, true);
  assert.deepEqual(report.mismatch, { offset: 30, differing: 1 });
});

Deno.test("runUdpProbe() ends within the scrape's time when nothing answers: lost", async () => {
  await using fake = new FakeUdpServer(() => {}); // never answers
  const started = performance.now();
  // 0.8 s scrape timeout less the 0.5 s offset: 300 ms for the series and its timeout.
  const report = await run(`target=127.0.0.1:${fake.port}&count=2&interval=10ms`, "0.8");
  const elapsed = performance.now() - started;
  assert.equal(report.success, false);
  assert.equal(report.udp?.lost, 2);
  assert.ok(elapsed >= 290 && elapsed < 2_000, `${elapsed} ms`);
});

Deno.test("runUdpProbe() gives up at once, without a report, when the exporter stops", async () => {
  const arrived = Promise.withResolvers<void>();
  await using fake = new FakeUdpServer(() => arrived.resolve()); // never answers
  const stop = new AbortController();
  const running = runUdpProbe(
    probeRequest(new URLSearchParams(`proto=udp&target=127.0.0.1:${fake.port}`), null, 500),
    stop.signal,
  );
  await arrived.promise;
  stop.abort();
  assert.equal(await running, undefined);
});
