import assert from "node:assert/strict";
import { formatFigure, median, ratios, summarize, targetRows } from "../bench/figures.ts";
import type { RoundData } from "../bench/round.ts";
import type { PeerKey } from "../bench/servers.ts";
import type { Sample } from "../bench/workloads.ts";

const sample = (value: number): Sample => ({
  value,
  cpuSeconds: 1,
  work: 1000,
  errors: 0,
  stuck: 0,
});
const memory = (rssKiB: number) => ({ rssKiB, peakKiB: rssKiB, cpuSeconds: 0 });

/** A round where pp32 gave these figures by peer, fresh and after churn. */
function round(pp32: Partial<Record<PeerKey, number>>, rssGrowthMiB = 0): RoundData {
  const samples = Object.fromEntries(
    Object.entries(pp32).map(([key, value]) => [key, sample(value!)]),
  );
  return {
    order: ["reference", "echoprobe", "echoprobeNoLog", "bare", "node"],
    throughput: { fresh: { pp32: samples }, churn: { pp32: samples } },
    churn: {
      echoprobe: {
        served: 100_000,
        seconds: 4,
        errors: 0,
        before: memory(40_000),
        after: memory(40_000 + rssGrowthMiB * 1024),
        filesBefore: 20,
        filesAfter: 20,
      },
    },
    idle: {},
    seconds: 60,
  };
}

Deno.test("median() of odd and even counts", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

Deno.test("summarize() says a figure moves when its range exceeds 10% of its median", () => {
  assert.equal(summarize([])?.moves, undefined);
  assert.deepEqual(summarize([1.0, 1.05, 1.09]), {
    median: 1.05,
    min: 1.0,
    max: 1.09,
    moves: false,
  });
  assert.equal(summarize([1.0, 1.05, 1.11])?.moves, true);
});

Deno.test("formatFigure() shows a steady figure as its median and a moving one with its range first", () => {
  assert.equal(formatFigure([0.9, 0.91, 0.92], 2), "0.91");
  assert.equal(formatFigure([0.8, 0.9, 0.95], 2), "0.80–0.95 (median 0.90)");
  assert.equal(formatFigure([], 2), "–");
  assert.equal(formatFigure([2.5, 3.0], 1, "x"), "2.5x–3.0x (median 2.8x)");
});

Deno.test("ratios() divides within each round, never across rounds", () => {
  const rounds = [round({ echoprobe: 90, bare: 100 }), round({ echoprobe: 200, bare: 250 })];
  assert.deepEqual(ratios(rounds, "fresh", "pp32", "echoprobe", "bare"), [0.9, 0.8]);
  // A round without the base peer gives no ratio.
  assert.deepEqual(ratios([round({ echoprobe: 90 })], "fresh", "pp32", "echoprobe", "bare"), []);
});

Deno.test("targetRows() judges the median of per-round ratios and flags a range across the target", () => {
  const rounds = [
    round({ echoprobe: 94, bare: 100, node: 90 }, 20),
    round({ echoprobe: 97, bare: 100, node: 90 }, 10),
    round({ echoprobe: 96, bare: 100, node: 90 }, 12),
  ];
  const rows = targetRows(rounds, { churnConnections: 100_000, idleConnections: 19_000 });
  const find = (figure: string) => rows.find((row) => row.figure === figure)!;
  const pp = find("ping-pong 32 / bare Deno record loop, fresh server");
  assert.deepEqual(pp.values, [0.94, 0.97, 0.96]);
  assert.equal(pp.target, ">= 0.95");
  assert.equal(pp.met, true);
  assert.equal(pp.crosses, true);
  const node = find("ping-pong, 32 connections / Node, after churn");
  assert.equal(node.met, true);
  assert.equal(node.crosses, false);
  const rss = find("RSS 10 s after 100000 connections closed, minus before them");
  assert.deepEqual(rss.values, [20, 10, 12]);
  assert.equal(rss.met, true);
  const idle = find("KiB per idle connection at 19000 connections");
  assert.equal(idle.met, undefined); // not run
  assert.equal(find("new connections, 1 loop / Node, fresh server").met, undefined);
});

Deno.test("targetRows() misses a target whose median falls short", () => {
  const rounds = [round({ echoprobe: 80, bare: 100 }, 30), round({ echoprobe: 85, bare: 100 }, 40)];
  const rows = targetRows(rounds, { churnConnections: 100_000, idleConnections: 19_000 });
  assert.equal(rows.find((row) => row.figure.startsWith("ping-pong 32 / bare"))!.met, false);
  assert.equal(rows.find((row) => row.figure.startsWith("RSS 10 s"))!.met, false);
});

Deno.test("targetRows() shows one more decimal where the median rounds to the bound", () => {
  // Ratios 0.948, 0.948: "0.95" would read as met; 0.948 says why it is missed.
  const rounds = [round({ echoprobe: 94.8, bare: 100 }), round({ echoprobe: 94.8, bare: 100 })];
  const rows = targetRows(rounds, { churnConnections: 100_000, idleConnections: 19_000 });
  const pp = rows.find((row) =>
    row.figure === "ping-pong 32 / bare Deno record loop, fresh server"
  )!;
  assert.equal(pp.met, false);
  assert.equal(formatFigure(pp.values, pp.digits, pp.unit), "0.948");
  const rss = rows.find((row) => row.figure.startsWith("RSS 10 s"))!;
  assert.equal(rss.digits, 1); // 0 MB: far from the bound, as many decimals as before
});
