/**
 * UdpProber against servers that misbehave on purpose: replies twice, late, out of
 * order, changed, cut, stray datagrams; and a name that does not resolve.
 */
import assert from "node:assert/strict";
import { ProbeError } from "../lib/errors.ts";
import { UdpProber } from "../lib/udp_probe.ts";
import type { UdpEvent, UdpProbeOptions } from "../lib/udp_probe_options.ts";
import { serveUdp } from "../lib/udp_server.ts";
import { waitFor } from "./helpers.ts";
import { FakeUdpServer, seqOf } from "./udp_helpers.ts";

function options(port: number, more: Partial<UdpProbeOptions> = {}): UdpProbeOptions {
  return { hostname: "127.0.0.1", port, timeoutMs: 2_000, ...more };
}

/** A prober that records what it reports. */
function recording(opts: UdpProbeOptions) {
  const events: UdpEvent[] = [];
  const prober = new UdpProber(opts, (event) => events.push(event));
  const kinds = () =>
    events.map((event) =>
      event.kind === "probe"
        ? `${event.seq}:${event.ok ? "ok" : event.error.code}`
        : `${event.seq}:${event.kind}`
    );
  return { prober, events, kinds };
}

Deno.test("UdpProber: a reply that comes back twice is one answer and one duplicate", async () => {
  await using fake = new FakeUdpServer(async (datagram, _, reply) => {
    await reply(datagram);
    await reply(datagram);
  });
  const { prober, kinds } = recording(options(fake.port));
  await using _ = prober;
  const outcome = await prober.exchange(1);
  assert.ok(outcome.ok, "the first copy answers the probe");
  await waitFor(() => prober.stats.summary().duplicates === 1, "the duplicate");
  assert.deepEqual(kinds(), ["1:ok", "1:duplicate"]);
  assert.deepEqual([prober.stats.summary().received, prober.stats.summary().lossPct], [1, 0]);
});

Deno.test("UdpProber: no reply within the timeout is lost; one after it is late", async () => {
  const held = Promise.withResolvers<void>();
  await using fake = new FakeUdpServer(async (datagram, _, reply) => {
    await held.promise;
    await reply(datagram);
  });
  const { prober, kinds } = recording(options(fake.port, { timeoutMs: 100 }));
  await using _ = prober;
  const started = performance.now();
  const outcome = await prober.exchange(1);
  assert.ok(!outcome.ok);
  assert.equal(outcome.error.code, "timeout");
  assert.equal(outcome.error.message, "No reply within 100ms (lost)");
  assert.ok(performance.now() - started >= 100, "not before its timeout");
  held.resolve();
  await waitFor(() => prober.stats.summary().late === 1, "the late reply");
  assert.deepEqual(kinds(), ["1:timeout", "1:late"]);
  const summary = prober.stats.summary();
  assert.deepEqual([summary.transmitted, summary.received, summary.lost], [1, 0, 1]);
});

Deno.test("UdpProber: a reply overtaken by a later probe's is counted reordered", async () => {
  const first = Promise.withResolvers<() => Promise<void>>();
  await using fake = new FakeUdpServer(async (datagram, _, reply) => {
    if (seqOf(datagram) === 1) {
      first.resolve(() => reply(datagram)); // held until seq 2 is answered
      return;
    }
    await reply(datagram);
    await (await first.promise)();
  });
  const { prober, events } = recording(options(fake.port));
  await using _ = prober;
  await prober.send(1);
  await prober.send(2);
  assert.equal(await prober.waitInFlight(1), true);
  const replies = events.map((event) =>
    event.kind === "probe" && event.ok ? [event.seq, event.reply.reordered] : event
  );
  assert.deepEqual(replies, [[2, false], [1, true]]);
  assert.equal(prober.stats.summary().reordered, 1);
});

Deno.test("UdpProber: a changed byte is a mismatch with its offset; a cut reply is short", async () => {
  await using fake = new FakeUdpServer(async (datagram, _, reply) => {
    if (seqOf(datagram) === 1) {
      datagram[100] = datagram[100]! ^ 0xff;
      await reply(datagram);
    } else {
      await reply(datagram.subarray(0, 200));
    }
  });
  await using prober = new UdpProber(options(fake.port));
  const changed = await prober.exchange(1);
  assert.ok(!changed.ok && changed.error instanceof ProbeError);
  assert.equal(changed.error.code, "mismatch");
  assert.equal(changed.error.details.offset, 100);
  assert.equal(changed.error.details.differing, 1);
  const cut = await prober.exchange(2);
  assert.ok(!cut.ok);
  assert.deepEqual([cut.error.code, cut.error.message], ["short", "Reply of 200/250 bytes"]);
  assert.deepEqual(prober.stats.summary().errors, { mismatch: 1, short: 1 });
});

Deno.test("UdpProber: a changed header (another send time) is a mismatch too", async () => {
  await using fake = new FakeUdpServer(async (datagram, _, reply) => {
    datagram[19] = datagram[19]! ^ 0x01; // the last byte of the send time
    await reply(datagram);
  });
  await using prober = new UdpProber(options(fake.port));
  const outcome = await prober.exchange(1);
  assert.ok(!outcome.ok);
  assert.deepEqual([outcome.error.code, outcome.error.details.offset], ["mismatch", 19]);
});

Deno.test("UdpProber: datagrams that answer no probe of this run are stray", async () => {
  await using fake = new FakeUdpServer(async (datagram, _, reply) => {
    await reply(new TextEncoder().encode("hello, not an echo"));
    const otherRun = datagram.slice();
    otherRun[4] = otherRun[4]! ^ 0xff; // another prober's run number
    await reply(otherRun);
    const unsent = datagram.slice();
    unsent[11] = 99; // a sequence number never sent
    await reply(unsent);
    await reply(datagram);
  });
  await using prober = new UdpProber(options(fake.port));
  assert.ok((await prober.exchange(1)).ok, "the stray datagrams decided nothing");
  const summary = prober.stats.summary();
  assert.deepEqual([summary.stray, summary.received, summary.duplicates], [3, 1, 0]);
});

Deno.test("UdpProber: a name that does not resolve fails the probe with code resolve", async () => {
  const resolver = () => Promise.reject(new Error("NXDOMAIN"));
  await using prober = new UdpProber({ hostname: "nowhere.invalid", port: 9, resolver });
  const outcome = await prober.exchange(1);
  assert.ok(!outcome.ok);
  assert.equal(outcome.error.code, "resolve");
  assert.deepEqual(prober.stats.summary().errors, { resolve: 1 });
});

Deno.test("UdpProber: every probe's reply from the real server matches, in order", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0, maxDatagramBytes: 1_000 });
  await using prober = new UdpProber(options(server.addr.port, {
    size: 1_000,
    payload: { kind: "ascii" },
  }));
  for (let seq = 1; seq <= 20; seq++) {
    const outcome = await prober.exchange(seq);
    assert.ok(outcome.ok, `seq ${seq}`);
    assert.equal(outcome.reply.bytes, 1_000);
    assert.ok(outcome.reply.rttMs > 0 && outcome.reply.rttMs === outcome.reply.latencyMs);
  }
  assert.equal(server.stats().bytes, 20_000);
});

Deno.test("UdpProber refuses a size no datagram can have", () => {
  assert.throws(() => new UdpProber(options(9, { size: 19 })), { code: "invalid" });
  assert.throws(() => new UdpProber(options(9, { size: 65_508 })), { code: "invalid" });
});
