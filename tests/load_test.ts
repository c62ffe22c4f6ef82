import assert from "node:assert/strict";
import { load } from "../lib/load.ts";
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
  const report = JSON.parse(good.stdout);
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
  assert.deepEqual(JSON.parse(bad.stdout).errors, { refused: 10 });
});
