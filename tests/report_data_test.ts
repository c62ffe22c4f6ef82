import assert from "node:assert/strict";
import {
  downsample,
  percentileCurve,
  percentileOf,
  windowLengthMs,
  windowsOf,
} from "../cli/report_data.ts";
import { runFigures } from "../cli/report_figures.ts";
import { RunReader } from "../cli/report_input.ts";
import { inTimeoutBurst, isRefused, pingRunLines } from "./report_fixture.ts";

Deno.test("windowLengthMs() picks a round length that gives about the windows asked for", () => {
  assert.equal(windowLengthMs(60_000), 1_000);
  assert.equal(windowLengthMs(61_000), 2_000);
  assert.equal(windowLengthMs(1_000), 20);
  assert.equal(windowLengthMs(10_000_000), 300_000);
  assert.equal(windowLengthMs(1e12), 3_600_000, "never longer than an hour");
});

Deno.test("percentileOf() is the nearest rank, as the client's summary", () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentileOf(sorted, 50), 50);
  assert.equal(percentileOf(sorted, 99), 99);
  assert.equal(percentileOf(sorted, 100), 100);
  assert.equal(percentileOf(sorted, 0), 1);
  assert.equal(percentileOf([7], 99), 7);
  assert.ok(Number.isNaN(percentileOf([], 50)));
});

Deno.test("windowsOf() gives each window its count, failures, p50 and p99", () => {
  // Window 0: 1..100 ms and one failure; window 1: empty; window 2: failures only.
  const atMs = [...Array.from({ length: 101 }, (_, i) => i * 9.9), 2_100, 2_500];
  const ms = [...Array.from({ length: 100 }, (_, i) => 100 - i), NaN, NaN, NaN];
  const windows = windowsOf(atMs, ms, 1_000);
  assert.equal(windows.length, 3);
  assert.deepEqual(windows[0], {
    startMs: 0,
    endMs: 1_000,
    count: 101,
    failed: 1,
    p50Ms: 50,
    p99Ms: 99,
  });
  assert.deepEqual({ ...windows[1], p50Ms: 0, p99Ms: 0 }, {
    startMs: 1_000,
    endMs: 2_000,
    count: 0,
    failed: 0,
    p50Ms: 0,
    p99Ms: 0,
  });
  assert.ok(Number.isNaN(windows[1]!.p50Ms) && Number.isNaN(windows[2]!.p99Ms));
  assert.deepEqual([windows[2]!.count, windows[2]!.failed], [2, 2]);
});

Deno.test("downsample() keeps every failure, and the fastest and slowest of each column", () => {
  const lines = [...pingRunLines({ count: 100_000, intervalMs: 10 })];
  const reader = new RunReader();
  for (const line of lines) reader.push(line);
  const [run] = reader.finish().runs;
  const columns = 500;
  const spanMs = run!.atMs.at(-1)! + 1;
  const columnOf = (atMs: number) => (atMs / spanMs) * columns;
  const { points, failures } = downsample(run!.atMs, run!.ms, run!.code, columnOf, columns);

  // Every failure is counted once, by code, in its own column.
  const failed = run!.code.filter((code) => code >= 0).length;
  assert.equal(failures.reduce((sum, mark) => sum + mark.count, 0), failed);
  let timeouts = 0, refused = 0;
  for (let seq = 1; seq <= 100_000; seq++) {
    if (inTimeoutBurst(seq, 100_000)) timeouts++;
    else if (isRefused(seq, 100_000)) refused++;
  }
  const byCode = (name: string) =>
    failures.filter((mark) => run!.codes[mark.code] === name)
      .reduce((sum, mark) => sum + mark.count, 0);
  assert.deepEqual([byCode("timeout"), byCode("refused")], [timeouts, refused]);
  const columnsWithFailures = new Set<string>();
  run!.code.forEach((code, i) => {
    if (code >= 0) columnsWithFailures.add(`${Math.floor(columnOf(run!.atMs[i]!))}/${code}`);
  });
  assert.equal(failures.length, columnsWithFailures.size, "one mark per column and code");

  // At most two points per column, and they are that column's extremes.
  assert.ok(points.length <= 2 * columns, `${points.length} points`);
  const kept = new Set(points);
  const extremes = new Map<number, { fastest: number; slowest: number }>();
  run!.ms.forEach((ms, i) => {
    if (Number.isNaN(ms)) return;
    const column = Math.floor(columnOf(run!.atMs[i]!));
    const seen = extremes.get(column);
    if (!seen) return void extremes.set(column, { fastest: i, slowest: i });
    if (ms < run!.ms[seen.fastest]!) seen.fastest = i;
    if (ms >= run!.ms[seen.slowest]!) seen.slowest = i;
  });
  for (const { fastest, slowest } of extremes.values()) {
    assert.ok(kept.has(fastest) && kept.has(slowest));
  }
  const drawn = points.map((i) => run!.ms[i]!);
  const figures = runFigures(run!);
  assert.equal(Math.min(...drawn), figures.minMs, "the run's fastest probe is drawn");
  assert.equal(Math.max(...drawn), figures.maxMs, "the run's slowest probe is drawn");
  assert.deepEqual(points, [...points].sort((a, b) => a - b), "in time order");
});

Deno.test("downsample() of a run smaller than the plot keeps every probe", () => {
  const atMs = [0, 100, 200, 300];
  const ms = [1, NaN, 3, 2];
  const { points, failures } = downsample(atMs, ms, [-1, 0, -1, -1], (at) => at, 1000);
  assert.deepEqual(points, [0, 2, 3]);
  assert.deepEqual(failures, [{ atMs: 100, code: 0, count: 1 }]);
});

Deno.test("percentileCurve() keeps one point a column, the tail's largest, and the maximum", () => {
  const sorted = Float64Array.from({ length: 10_000 }, (_, i) => i / 100);
  const columnOf = (odds: number) => Math.log10(odds) * 100; // 100 px a decade
  const curve = percentileCurve(sorted, columnOf);
  assert.deepEqual(curve[0], { odds: 1, ms: 0 });
  assert.deepEqual(curve.at(-1), { odds: 10_000, ms: 99.99 });
  const columns = curve.map((point) => Math.floor(columnOf(point.odds)));
  assert.equal(new Set(columns.slice(1)).size, columns.length - 1, "one point per column");
  assert.ok(curve.length <= 402, `${curve.length} points`);
  // The 99th percentile lies where its odds say (100: the end of the second decade).
  const at99 = curve.find((point) => point.odds >= 100)!;
  assert.ok(Math.abs(at99.ms - 99) < 0.05, `${at99.ms}`);
  for (let i = 1; i < curve.length; i++) {
    assert.ok(curve[i]!.odds > curve[i - 1]!.odds && curve[i]!.ms >= curve[i - 1]!.ms);
  }
  assert.deepEqual(percentileCurve([], columnOf), []);
});

Deno.test("runFigures() of a ping run from its probes; of a load run from its closing object", () => {
  const reader = new RunReader();
  for (const line of pingRunLines({ count: 1_000 })) reader.push(line);
  reader.push(
    '{"type":"interval","startMs":0,"elapsedMs":1000,"ok":10,"failed":1,"errors":{"reset":1}}',
  );
  reader.push('{"type":"load","ok":10,"failed":1,"p50Ms":0.5,"maxMs":2,"errors":{"reset":1}}');
  const [ping, load] = reader.finish().runs;
  const figures = runFigures(ping!);
  assert.equal(figures.probes, 1_000);
  assert.deepEqual(figures.errors, { refused: 10, timeout: 30 });
  assert.equal(figures.ok, 960);
  assert.equal(figures.durationMs, 100_000, "the summary's duration");
  assert.ok(figures.minMs <= figures.p50Ms && figures.p99Ms <= figures.maxMs);
  const loadFigures = runFigures(load!);
  assert.deepEqual(
    [loadFigures.probes, loadFigures.ok, loadFigures.p50Ms, loadFigures.maxMs, loadFigures.errors],
    [11, 10, 0.5, 2, { reset: 1 }],
  );
  assert.ok(Number.isNaN(loadFigures.p90Ms));
});
