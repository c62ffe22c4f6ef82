/** udpLoad(): the schedule, latency free of coordinated omission, closed loops, the drain. */
import assert from "node:assert/strict";
import { serveUdp } from "../lib/udp_server.ts";
import { udpLoad } from "../lib/udp_load.ts";
import { FakeUdpServer, seqOf } from "./udp_helpers.ts";

Deno.test("udpLoad() at a rate keeps to the schedule and stops at the duration", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
  const report = await udpLoad({
    hostname: "127.0.0.1",
    port: server.addr.port,
    rate: 400,
    durationMs: 500,
    timeoutMs: 1_000,
  });
  // 400/s for 0.5 s: the 200 probes of the schedule, however late a timer fires.
  assert.equal(report.transmitted, 200);
  assert.equal(report.received, report.transmitted);
  assert.equal(server.stats().received, report.transmitted);
  assert.ok(report.elapsedMs >= 500);
  assert.equal(report.bytes, report.received * 250);
});

Deno.test("udpLoad() counts latency from the scheduled send: a stalled sender cannot hide", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
  // The event loop stalls for 200 ms 150 ms into the run: the probes due meanwhile go out
  // late, at once. From their real send, each takes well under a millisecond.
  const stall = setTimeout(() => {
    const until = performance.now() + 200;
    while (performance.now() < until) { /* the stall */ }
  }, 150);
  try {
    const report = await udpLoad({
      hostname: "127.0.0.1",
      port: server.addr.port,
      rate: 200,
      count: 100,
      timeoutMs: 2_000,
    });
    assert.equal(report.received, 100);
    // About 40 probes were due during the stall: their latency includes their wait.
    assert.ok(report.maxMs >= 150, `max ${report.maxMs} ms`);
    assert.ok(report.p90Ms >= 20, `p90 ${report.p90Ms} ms`);
    // The jitter is of the real round trips: the stall is not in it.
    assert.ok(report.jitterMs < 20, `jitter ${report.jitterMs} ms`);
  } finally {
    clearTimeout(stall);
  }
});

Deno.test("udpLoad() without a rate runs closed loops to the exact count", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0, sourceRate: 1e6 });
  const report = await udpLoad({
    hostname: "127.0.0.1",
    port: server.addr.port,
    concurrency: 4,
    count: 400,
    timeoutMs: 2_000,
  });
  assert.deepEqual([report.transmitted, report.received, report.concurrency], [400, 400, 4]);
  assert.equal(server.stats().received, 400);
  assert.ok(report.minMs <= report.p50Ms && report.p99Ms <= report.p999Ms);
});

Deno.test("udpLoad() waits for the replies in flight when it stops; lost ones count", async () => {
  await using fake = new FakeUdpServer(async (datagram, _, reply) => {
    if (seqOf(datagram) % 10 !== 0) await reply(datagram);
  });
  const report = await udpLoad({
    hostname: "127.0.0.1",
    port: fake.port,
    rate: 1_000,
    count: 100,
    timeoutMs: 150,
  });
  assert.deepEqual([report.transmitted, report.received, report.lost], [100, 90, 10]);
  assert.equal(report.lossPct, 10);
  assert.deepEqual(report.errors, { timeout: 10 });
});

Deno.test("udpLoad() needs a duration or a count, and a name that resolves", async () => {
  await assert.rejects(() => udpLoad({ hostname: "127.0.0.1", rate: 10 }), RangeError);
  await assert.rejects(
    () =>
      udpLoad({
        hostname: "nowhere.invalid",
        count: 1,
        resolver: () => Promise.reject(new Error("NXDOMAIN")),
      }),
    { code: "resolve" },
  );
});
