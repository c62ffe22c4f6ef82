/** udpSeries(): ping-style UDP runs, their stops, and what they count at a stop. */
import assert from "node:assert/strict";
import { serveUdp } from "../lib/udp_server.ts";
import { udpSeries, type UdpSeriesEnd, type UdpSeriesOptions } from "../lib/udp_series.ts";
import type { UdpEvent } from "../lib/udp_probe_options.ts";
import { delay } from "../lib/delay.ts";
import { FakeUdpServer, seqOf } from "./udp_helpers.ts";

/** Runs a series to its end: its events, what it returned, how long it took. */
async function run(options: UdpSeriesOptions, onEvent: (event: UdpEvent) => void = () => {}) {
  const events: UdpEvent[] = [];
  const started = performance.now();
  const series = udpSeries(options);
  let next = await series.next();
  for (; !next.done; next = await series.next()) {
    events.push(next.value);
    onEvent(next.value);
  }
  const end: UdpSeriesEnd = next.value;
  return { events, end, elapsedMs: performance.now() - started };
}

const label = (event: UdpEvent) =>
  event.kind === "probe" ? `${event.seq}:${event.ok ? "ok" : event.error.code}` : event.kind;

Deno.test("udpSeries() sends on its interval without waiting for replies", async () => {
  // Every reply takes 100 ms; 5 probes 10 ms apart must not take 5 x 100 ms.
  await using fake = new FakeUdpServer(async (datagram, _, reply) => {
    await delay(100);
    await reply(datagram);
  });
  const { events, end, elapsedMs } = await run({
    hostname: "127.0.0.1",
    port: fake.port,
    count: 5,
    intervalMs: 10,
  });
  assert.deepEqual(events.map(label), ["1:ok", "2:ok", "3:ok", "4:ok", "5:ok"]);
  assert.ok(elapsedMs >= 140 && elapsedMs < 400, `${elapsedMs} ms`);
  assert.equal(end.stoppedBy, "count");
  assert.equal(end.summary.received, 5);
});

Deno.test("udpSeries() with untilOk stops at the first answer; probes in flight count lost", async () => {
  // Probes 1 and 2 get no reply; 3 does, 60 ms later, when 4 and more are in flight.
  await using fake = new FakeUdpServer(async (datagram, _, reply) => {
    if (seqOf(datagram) !== 3) return;
    await delay(60);
    await reply(datagram);
  });
  const { events, end } = await run({
    hostname: "127.0.0.1",
    port: fake.port,
    count: 0,
    intervalMs: 10,
    timeoutMs: 5_000,
    untilOk: true,
  });
  assert.equal(end.stoppedBy, "ok");
  assert.equal(events[0] && label(events[0]), "3:ok");
  const lost = events.slice(1);
  assert.ok(lost.length >= 3, `${lost.length} probes were in flight`);
  assert.ok(
    lost.every((event) => event.kind === "probe" && !event.ok && event.error.code === "timeout"),
  );
  assert.equal(end.summary.lost, lost.length);
  assert.equal(end.summary.transmitted, fake.received);
});

Deno.test("udpSeries() stopped by its signal counts what it sent, answered or not", async () => {
  const controller = new AbortController();
  await using fake = new FakeUdpServer(async (datagram, _, reply) => {
    if (seqOf(datagram) % 2 === 0) return; // even probes are lost
    await reply(datagram);
    if (seqOf(datagram) === 5) controller.abort();
  });
  const { events, end } = await run({
    hostname: "127.0.0.1",
    port: fake.port,
    count: 0,
    intervalMs: 10,
    timeoutMs: 5_000,
    signal: controller.signal,
  });
  assert.equal(end.stoppedBy, "signal");
  const { summary } = end;
  assert.equal(summary.transmitted, fake.received, "every probe sent is counted");
  // 1 and 3 were answered; 2 and 4 were not; 5's echo may or may not beat the stop.
  assert.ok(summary.received >= 2 && summary.lost >= 2, JSON.stringify(summary));
  assert.equal(summary.received + summary.lost, summary.transmitted);
  assert.ok(events.some((event) =>
    event.kind === "probe" && !event.ok &&
    event.error.message === "No reply before the run stopped"
  ));
});

Deno.test("udpSeries() stops at its deadline", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
  const { end, elapsedMs } = await run({
    hostname: "127.0.0.1",
    port: server.addr.port,
    count: 0,
    intervalMs: 20,
    deadlineMs: 150,
  });
  assert.equal(end.stoppedBy, "deadline");
  assert.ok(elapsedMs >= 150 && elapsedMs < 1_000, `${elapsedMs} ms`);
  assert.ok(end.summary.received >= 5 && end.summary.received <= 9, `${end.summary.received}`);
});
