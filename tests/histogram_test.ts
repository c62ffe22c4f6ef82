import assert from "node:assert/strict";
import { Histogram } from "../lib/histogram.ts";
import { assertWithin } from "./helpers.ts";

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
