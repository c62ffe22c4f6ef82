import assert from "node:assert/strict";
import { load, type LoadInterval } from "../lib/load.ts";
import { serve } from "../lib/server.ts";
import { closedPort, FakeServer, readRecord, runCli } from "./helpers.ts";

Deno.test("load() sends exactly --count probes over reused connections", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const report = await load({
    hostname: "127.0.0.1",
    port: server.addr.port,
    concurrency: 8,
    reuse: true,
    count: 2_000,
  });
  assert.equal(report.ok, 2_000);
  assert.equal(report.failed, 0);
  assert.equal(report.bytes, 500_000);
  assert.equal(server.stats().connections, 8, "one connection per loop");
  assert.equal(server.stats().records, 2_000);
  const { latency } = report;
  assert.ok(latency.minMs <= latency.p50Ms && latency.p50Ms <= latency.p99Ms);
  assert.ok(latency.p99Ms <= latency.p999Ms && latency.p999Ms <= latency.maxMs);
});

Deno.test("load() without reuse opens a connection per probe", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0, backlog: 64 });
  const report = await load({
    hostname: "127.0.0.1",
    port: server.addr.port,
    concurrency: 4,
    count: 200,
  });
  assert.equal(report.ok, 200);
  assert.equal(server.stats().connections, 200);
});

Deno.test("load() with a rate keeps to the schedule and stops at the duration", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const report = await load({
    hostname: "127.0.0.1",
    port: server.addr.port,
    concurrency: 2,
    reuse: true,
    rate: 200,
    durationMs: 500,
  });
  // 200/s for 0.5 s: about 100 probes, never more than the schedule allows.
  assert.ok(report.ok >= 60 && report.ok <= 101, `${report.ok} probes`);
  assert.ok(report.elapsedMs >= 500);
});

Deno.test("load() counts failures by code and goes on", async () => {
  // Every probe's echo comes back with its first byte changed.
  await using fake = new FakeServer(async (conn) => {
    for (;;) {
      const bytes = await readRecord(conn, 250);
      if (bytes.length < 250) return;
      bytes[0] = bytes[0]! ^ 0xff;
      await conn.write(bytes);
    }
  });
  const report = await load({
    hostname: "127.0.0.1",
    port: fake.port,
    concurrency: 2,
    reuse: true,
    count: 20,
  });
  assert.equal(report.ok, 0);
  assert.equal(report.failed, 20);
  assert.deepEqual(report.errors, { mismatch: 20 });
});

Deno.test("client load mode reports one JSON object, and exit 1 on failures", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const good = await runCli([
    "client",
    `127.0.0.1:${server.addr.port}`,
    "--concurrency",
    "4",
    "--reuse",
    "--count",
    "400",
    "--json",
  ]);
  assert.equal(good.code, 0, good.stderr);
  const lines = good.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
  const report = lines.at(-1);
  const intervals = lines.slice(0, -1);
  assert.ok(intervals.length >= 1 && intervals.every((line) => line.type === "interval"));
  assert.equal(intervals.reduce((sum, line) => sum + line.ok, 0), 400, "intervals add up");
  assert.equal(report.type, "load");
  assert.equal(report.ok, 400);
  assert.equal(report.failed, 0);
  assert.equal(report.concurrency, 4);
  for (const field of ["perSecond", "megabytesPerSecond", "p50Ms", "p99Ms", "p999Ms", "maxMs"]) {
    assert.equal(typeof report[field], "number", field);
  }
  assert.equal(good.stderr, "", "no progress line when stderr is not a terminal");
  const text = await runCli(["client", `127.0.0.1:${server.addr.port}`, "-n", "2", "-d", "200ms"]);
  assert.equal(text.code, 0);
  assert.match(
    text.stdout,
    /^--- 127\.0\.0\.1:\d+ echoprobe load: 2 loops ---\n\d+ probes ok, 0 failed, \d+\/s, [\d.]+ MB\/s, 0 drops, time \d+ms\nlatency min\/p50\/p90\/p99\/p99\.9\/max = /,
  );
  const closed = closedPort();
  const bad = await runCli(["client", `127.0.0.1:${closed}`, "-n", "2", "-c", "10", "--json"]);
  assert.equal(bad.code, 1);
  assert.deepEqual(JSON.parse(bad.stdout.trimEnd().split("\n").at(-1)!).errors, { refused: 10 });
});

Deno.test("load() reports an interval each second, end to end, adding up to the totals", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const intervals: LoadInterval[] = [];
  const before = Date.now();
  const report = await load({
    hostname: "127.0.0.1",
    port: server.addr.port,
    concurrency: 2,
    reuse: true,
    durationMs: 1_300,
    onInterval: (interval) => intervals.push(interval),
  });
  // A full second, then the 0.3 s left (a tick that comes late under load can only
  // lengthen the first; it cannot take the second away before the run's end).
  assert.equal(intervals.length, 2, JSON.stringify(intervals));
  const [first, last] = intervals as [LoadInterval, LoadInterval];
  assert.equal(first.startMs, 0);
  assert.ok(first.elapsedMs >= 1_000 && first.elapsedMs < report.elapsedMs);
  assert.equal(last.startMs, first.elapsedMs);
  assert.equal(last.elapsedMs, report.elapsedMs);
  assert.ok(first.startedAt.getTime() >= before && first.startedAt.getTime() <= before + 1_000);
  assert.equal(last.startedAt.getTime() - first.startedAt.getTime(), Math.floor(first.elapsedMs));
  assert.equal(first.ok + last.ok, report.ok);
  assert.equal(first.failed + last.failed, 0);
  for (const interval of intervals) {
    assert.ok(interval.ok > 0);
    assert.ok(interval.p50Ms <= interval.p99Ms && interval.p99Ms <= interval.maxMs);
    assert.ok(interval.maxMs <= report.latency.maxMs);
  }
});

Deno.test("load() without a tick reports one interval for the whole run, failures by code", async () => {
  const intervals: LoadInterval[] = [];
  const report = await load({
    hostname: "127.0.0.1",
    port: closedPort(),
    count: 6,
    onInterval: (interval) => intervals.push(interval),
  });
  assert.equal(intervals.length, 1);
  const [only] = intervals as [LoadInterval];
  assert.deepEqual(
    [only.startMs, only.elapsedMs, only.ok, only.failed, only.errors],
    [0, report.elapsedMs, 0, 6, { refused: 6 }],
  );
  assert.ok(Number.isNaN(only.p50Ms) && Number.isNaN(only.maxMs));
});
