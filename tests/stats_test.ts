import assert from "node:assert/strict";
import { Histogram } from "../lib/histogram.ts";
import { compare, fillPayload, parsePayload } from "../lib/payload.ts";
import { ProbeStats } from "../lib/stats.ts";

function assertWithin(actual: number, expected: number, relative: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= Math.abs(expected) * relative,
    `${what}: ${actual} is not within ${relative * 100}% of ${expected}`,
  );
}

Deno.test("ProbeStats gives ping's min/avg/max/mdev, loss and jitter for known samples", () => {
  const stats = new ProbeStats();
  for (const ms of [2, 4, 4, 4, 5, 5, 7, 9]) stats.success(ms);
  stats.failure("timeout");
  stats.failure("refused");
  const summary = stats.summary();
  assert.equal(summary.transmitted, 10);
  assert.equal(summary.received, 8);
  assert.equal(summary.lossPct, 20);
  assert.equal(summary.minMs, 2);
  assert.equal(summary.maxMs, 9);
  assert.equal(summary.avgMs, 5);
  assert.equal(summary.mdevMs, 2); // the textbook population standard deviation of these samples
  // |4-2| + 0 + 0 + |5-4| + 0 + |7-5| + |9-7| = 7, over 7 differences
  assert.equal(summary.jitterMs, 1);
  assert.deepEqual(summary.errors, { timeout: 1, refused: 1 });
  assertWithin(summary.p50Ms, 4, 0.01, "p50");
  assertWithin(summary.p90Ms, 9, 0.01, "p90");
  assertWithin(summary.p99Ms, 9, 0.01, "p99");
});

Deno.test("ProbeStats with no success has unknown latencies and 100% loss", () => {
  const stats = new ProbeStats();
  stats.failure("refused");
  const summary = stats.summary();
  assert.equal(summary.lossPct, 100);
  assert.ok([summary.minMs, summary.avgMs, summary.p50Ms, summary.jitterMs].every(Number.isNaN));
  assert.equal(new ProbeStats().summary().lossPct, 0);
});

Deno.test("Histogram percentiles are within 1% of the exact ones over six decades", () => {
  const histogram = new Histogram();
  const values: number[] = [];
  let state = 12345;
  for (let i = 0; i < 100_000; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const ms = 0.001 * 10 ** (6 * (state / 2 ** 32)); // 1 µs to 1 s, log-uniform
    values.push(ms);
    histogram.record(ms);
  }
  values.sort((a, b) => a - b);
  for (const percent of [1, 10, 50, 90, 99, 99.9, 100]) {
    const exact = values[Math.max(0, Math.ceil((percent / 100) * values.length) - 1)]!;
    assertWithin(histogram.percentile(percent), exact, 0.01, `p${percent}`);
  }
  assert.equal(histogram.count, 100_000);
});

Deno.test("Histogram.merge() adds the counts of another", () => {
  const a = new Histogram();
  const b = new Histogram();
  for (let ms = 1; ms <= 50; ms++) a.record(ms);
  for (let ms = 51; ms <= 100; ms++) b.record(ms);
  a.merge(b);
  assert.equal(a.count, 100);
  assertWithin(a.percentile(75), 75, 0.01, "p75");
  assert.ok(Number.isNaN(new Histogram().percentile(50)));
});

Deno.test("the random payload is reproduced by its seed and differs per probe and seed", () => {
  const fill = (seed: number, seq: number) =>
    fillPayload(new Uint8Array(250), { kind: "random" }, seed, seq);
  assert.deepEqual(fill(42, 1), fill(42, 1));
  assert.notDeepEqual(fill(42, 1), fill(42, 2));
  assert.notDeepEqual(fill(42, 1), fill(43, 1));
  const bytes = fill(42, 1);
  assert.ok(new Set(bytes).size > 100, "bytes spread over the range");
});

Deno.test("parsePayload() and fillPayload() give zeros, ascii and repeated hex", () => {
  const fill = (text: string, size = 8) =>
    fillPayload(new Uint8Array(size), parsePayload(text), 0, 1);
  assert.deepEqual(fill("zeros"), new Uint8Array(8));
  assert.equal(new TextDecoder().decode(fill("ascii", 4)), ' !"#');
  assert.equal(fill("ascii", 200)[95], 0x20, "ascii wraps after the 95 printable bytes");
  assert.deepEqual(fill("hex:DEADbeef", 6), Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0xde, 0xad));
});

Deno.test("compare() finds the first differing byte and counts all of them", () => {
  assert.equal(compare(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3)), undefined);
  assert.deepEqual(compare(Uint8Array.of(1, 2, 3, 4), Uint8Array.of(1, 9, 3, 0)), {
    offset: 1,
    expected: 2,
    actual: 9,
    differing: 2,
  });
});
