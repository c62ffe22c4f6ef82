import assert from "node:assert/strict";
import { ProbeStats } from "../lib/stats.ts";
import { assertWithin } from "./helpers.ts";

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
