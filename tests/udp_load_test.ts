/** udpLoad(): the schedule, latency free of coordinated omission, closed loops, the drain. */
import assert from "node:assert/strict";
import process from "node:process";
import { serveUdp } from "../lib/udp_server.ts";
import type { LoadInterval } from "../lib/load.ts";
import { udpLoad } from "../lib/udp_load.ts";
import { waitFor } from "./helpers.ts";
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

Deno.test("udpLoad() with onInterval gives each second's decided probes, adding up to the totals", async () => {
  // Probe 3 is never answered: lost at its timeout, in the interval it expires in.
  await using fake = new FakeUdpServer(async (datagram, _from, reply) => {
    if (seqOf(datagram) !== 3) await reply(datagram);
  });
  const intervals: LoadInterval[] = [];
  const report = await udpLoad({
    hostname: "127.0.0.1",
    port: fake.port,
    rate: 200,
    durationMs: 1_500,
    timeoutMs: 300,
    onInterval: (interval) => intervals.push(interval),
  });
  assert.equal(intervals.length, 2, "a second, then the rest");
  const [first, rest] = intervals;
  assert.equal(first!.startMs, 0);
  assert.equal(rest!.startMs, first!.elapsedMs, "no gap");
  assert.ok(rest!.elapsedMs >= report.elapsedMs, "the rest ends once every probe is decided");
  assert.equal(first!.ok + rest!.ok, report.received);
  assert.equal(first!.failed + rest!.failed, 1);
  assert.deepEqual(first!.errors, { timeout: 1 }, "lost 300 ms after its send, in the first");
  assert.ok(first!.p50Ms > 0 && first!.p99Ms >= first!.p50Ms);
  const wallGap = rest!.startedAt.getTime() - first!.startedAt.getTime();
  assert.ok(Math.abs(wallGap - first!.elapsedMs) <= 1, "wall-clock starts a second apart");
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

Deno.test("udpLoad() needs a duration, a count or a signal, and a name that resolves", async () => {
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

Deno.test("udpLoad() with a signal alone runs until it aborts (the client's --count 0)", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
  const stop = new AbortController();
  const running = udpLoad({
    hostname: "127.0.0.1",
    port: server.addr.port,
    concurrency: 2,
    timeoutMs: 1_000,
    signal: stop.signal,
  });
  await waitFor(() => server.stats().received >= 100, "100 probes");
  stop.abort();
  const report = await running;
  assert.ok(report.transmitted >= 100, `${report.transmitted} probes`);
  assert.ok(report.received >= 100 && report.received <= report.transmitted);
});

Deno.test("udpLoad() whose schedule ends behind time waits no negative time: no runtime warning", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
  // The event loop stalls from 150 ms to 350 ms: the schedule (100/s for 200 ms) reaches
  // its end 150 ms after the end of the run, and the wait to the end is below zero.
  const stall = setTimeout(() => {
    const until = performance.now() + 200;
    while (performance.now() < until) { /* the stall */ }
  }, 150);
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on("warning", onWarning);
  try {
    const report = await udpLoad({
      hostname: "127.0.0.1",
      port: server.addr.port,
      rate: 100,
      durationMs: 200,
      timeoutMs: 1_000,
    });
    assert.equal(report.transmitted, 20);
  } finally {
    clearTimeout(stall);
    process.off("warning", onWarning);
  }
  assert.deepEqual(warnings, []);
});
