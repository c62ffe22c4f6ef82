/** UDP statistics: RFC 3550 jitter, reordering by RFC 4737, loss, duplicates, late. */
import assert from "node:assert/strict";
import { InterarrivalJitter, UdpStats } from "../lib/udp_stats.ts";

Deno.test("InterarrivalJitter follows RFC 3550: J += (|D| - J) / 16, D between arrivals", () => {
  const transits = [20, 22, 19, 25, 25, 18];
  const jitter = new InterarrivalJitter();
  let expected = 0;
  for (let i = 0; i < transits.length; i++) {
    jitter.add(transits[i]!);
    if (i > 0) expected += (Math.abs(transits[i]! - transits[i - 1]!) - expected) / 16;
    if (i > 0) assert.equal(jitter.ms, expected, `after ${i + 1} packets`);
  }
  // By hand, |D| = 2, 3, 6, 0, 7: J = 0.125, 0.3046875, 0.6606445, 0.6193542, 1.0181446.
  assert.equal(jitter.ms.toFixed(7), "1.0181446");
});

Deno.test("InterarrivalJitter of a constant transit time is 0, and unknown before two", () => {
  const jitter = new InterarrivalJitter();
  assert.ok(Number.isNaN(jitter.ms));
  jitter.add(5);
  assert.ok(Number.isNaN(jitter.ms), "one transit time has no difference yet");
  for (let i = 0; i < 100; i++) jitter.add(5);
  assert.equal(jitter.ms, 0);
});

Deno.test("InterarrivalJitter converges on the mean |D| of a steady alternation", () => {
  const jitter = new InterarrivalJitter();
  for (let i = 0; i < 1000; i++) jitter.add(i % 2 === 0 ? 10 : 14);
  assert.ok(Math.abs(jitter.ms - 4) < 1e-9, `${jitter.ms}`);
});

Deno.test("UdpStats counts a reply reordered when a later probe's reply came first", () => {
  const stats = new UdpStats();
  const order = [1, 2, 4, 3, 5, 8, 6, 7, 9];
  const reordered = order.map((seq) => stats.reply(seq, 1, 1));
  assert.deepEqual(reordered, [false, false, false, true, false, false, true, true, false]);
  assert.equal(stats.summary().reordered, 3);
});

Deno.test("UdpStats summary: loss from timeouts, duplicates, late and stray apart", () => {
  const stats = new UdpStats();
  stats.reply(1, 2, 2);
  stats.reply(2, 4, 4);
  stats.failure("timeout");
  stats.failure("mismatch");
  stats.duplicate();
  stats.duplicate();
  stats.late();
  stats.stray();
  const summary = stats.summary();
  assert.deepEqual(
    [summary.transmitted, summary.received, summary.lost, summary.lossPct],
    [4, 2, 1, 50],
  );
  assert.deepEqual([summary.duplicates, summary.late, summary.stray], [2, 1, 1]);
  assert.deepEqual(summary.errors, { timeout: 1, mismatch: 1 });
  assert.deepEqual([summary.minMs, summary.avgMs, summary.maxMs, summary.mdevMs], [2, 3, 4, 1]);
  assert.equal(summary.jitterMs, 2 / 16);
});

Deno.test("UdpStats takes latency for the percentiles and transit for the jitter", () => {
  const stats = new UdpStats();
  stats.reply(1, 100, 1); // a probe sent 99 ms late (load at a rate): latency 100, rtt 1
  stats.reply(2, 100, 1);
  const summary = stats.summary();
  assert.equal(summary.minMs, 100);
  assert.equal(summary.jitterMs, 0);
});

Deno.test("UdpStats with no reply has unknown times and jitter", () => {
  const stats = new UdpStats();
  stats.failure("timeout");
  const summary = stats.summary();
  assert.ok([summary.minMs, summary.p99Ms, summary.jitterMs].every(Number.isNaN));
  assert.equal(summary.lossPct, 100);
});
