/**
 * The data shaping of `echoprobe report`: time windows and their percentiles, the
 * per-pixel downsampling of a run's probes, the percentile curve. Pure functions of
 * numbers; the drawing is in report_svg.ts and report_charts.ts.
 *
 * @module
 */

/** One time window of a run. */
export interface Window {
  /** Start, in milliseconds since the run's start. */
  startMs: number;
  /** End, in milliseconds since the run's start. */
  endMs: number;
  /** Probes started in the window. */
  count: number;
  /** Of those, failures. */
  failed: number;
  /** Median latency of its successes (`NaN` when none). */
  p50Ms: number;
  /** 99th percentile of its successes (`NaN` when none). */
  p99Ms: number;
}

/** Window lengths to pick from: round numbers a reader takes in at once. */
const NICE_WINDOWS_MS = [10, 20, 50, 100, 200, 500].concat(
  [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600].map((seconds) => seconds * 1_000),
);

/**
 * A window length that cuts a run into about `target` windows, from a list of round
 * lengths (1 s, 2 s, 5 s, ...).
 *
 * @param durationMs How long the run is.
 * @param target How many windows are wanted, about.
 * @returns Milliseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { windowLengthMs } from "./report_data.ts";
 *
 * assert.equal(windowLengthMs(60_000, 60), 1_000);
 * ```
 */
export function windowLengthMs(durationMs: number, target = 60): number {
  const wanted = durationMs / target;
  return NICE_WINDOWS_MS.find((ms) => ms >= wanted) ?? NICE_WINDOWS_MS.at(-1)!;
}

/**
 * The nearest-rank percentile of sorted values (as the client's summary computes it).
 *
 * @param sorted Values in ascending order.
 * @param percent From 0 to 100.
 * @returns The value, or `NaN` when there are none.
 */
export function percentileOf(sorted: ArrayLike<number>, percent: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/**
 * Cuts a run's probes into windows of `lengthMs` and gives each its count, failures,
 * p50 and p99.
 *
 * @param atMs Each probe's start since the run's start, in ascending order.
 * @param ms Each probe's latency; `NaN` for a failure.
 * @param lengthMs The window length.
 * @returns The windows from the first probe's to the last probe's, empty ones included.
 */
export function windowsOf(atMs: readonly number[], ms: readonly number[], lengthMs: number) {
  const windows: Window[] = [];
  let i = 0;
  const last = atMs.at(-1) ?? 0;
  for (let start = 0; start <= last; start += lengthMs) {
    const end = start + lengthMs;
    const values: number[] = [];
    let count = 0;
    for (; i < atMs.length && atMs[i]! < end; i++) {
      count++;
      if (!Number.isNaN(ms[i]!)) values.push(ms[i]!);
    }
    const sorted = Float64Array.from(values).sort();
    windows.push({
      startMs: start,
      endMs: end,
      count,
      failed: count - sorted.length,
      p50Ms: percentileOf(sorted, 50),
      p99Ms: percentileOf(sorted, 99),
    });
  }
  return windows;
}

/** Failures of one code that fall in one pixel column. */
export interface FailureMark {
  /** The first of them, in milliseconds since the run's start. */
  atMs: number;
  /** Their code, as an index into the run's codes. */
  code: number;
  /** How many. */
  count: number;
}

/** What is drawn of a run's probes. */
export interface Downsampled {
  /** Indices of the probes drawn as points, in time order. */
  points: number[];
  /** Failure marks, one per pixel column and code, in time order. */
  failures: FailureMark[];
}

/**
 * Downsamples a run's probes to what a plot `columns` pixels wide can show: in each
 * pixel column, the fastest and the slowest success (so every spike and every dip
 * stays), and every failure, counted by code. A column holding two successes or
 * fewer keeps them all, so a small run is drawn whole.
 *
 * @param atMs Each probe's start, in ascending order.
 * @param ms Each probe's latency; `NaN` for a failure.
 * @param code Each probe's failure code index; -1 for a success.
 * @param columnOf The pixel column of a time, from 0 to `columns - 1`.
 * @param columns The plot's width in pixels.
 * @returns The probes to draw and the failure marks.
 */
export function downsample(
  atMs: readonly number[],
  ms: readonly number[],
  code: readonly number[],
  columnOf: (atMs: number) => number,
  columns: number,
): Downsampled {
  const fastest = new Int32Array(columns).fill(-1);
  const slowest = new Int32Array(columns).fill(-1);
  const failures: FailureMark[] = [];
  // The open mark of each code in the current column: failures arrive in time order.
  const open = new Map<number, FailureMark>();
  let openColumn = -1;
  for (let i = 0; i < atMs.length; i++) {
    const column = Math.min(columns - 1, Math.max(0, Math.floor(columnOf(atMs[i]!))));
    if (code[i]! >= 0) {
      if (column !== openColumn) {
        open.clear();
        openColumn = column;
      }
      const mark = open.get(code[i]!);
      if (mark) mark.count++;
      else {
        const added = { atMs: atMs[i]!, code: code[i]!, count: 1 };
        failures.push(added);
        open.set(code[i]!, added);
      }
      continue;
    }
    const f = fastest[column]!;
    if (f === -1 || ms[i]! < ms[f]!) fastest[column] = i;
    const s = slowest[column]!;
    if (s === -1 || ms[i]! >= ms[s]!) slowest[column] = i;
  }
  const points: number[] = [];
  for (let column = 0; column < columns; column++) {
    const f = fastest[column]!;
    if (f === -1) continue;
    const s = slowest[column]!;
    if (f === s) points.push(f);
    else points.push(Math.min(f, s), Math.max(f, s));
  }
  return { points, failures };
}

/** A point of a latency-by-percentile curve. */
export interface CurvePoint {
  /** `1 / (1 - q)` for the fraction `q` of values below: 1 at 0%, 100 at 99%. */
  odds: number;
  /** The latency there, in milliseconds. */
  ms: number;
}

/**
 * The latency-by-percentile curve of sorted values (HdrHistogram's plot), one point
 * per pixel column of the percentile axis: the largest value that falls in it, and
 * always the last (the maximum).
 *
 * @param sorted Successes' latencies, ascending.
 * @param columnOf The pixel column of an `odds` value.
 * @returns The points, in ascending order.
 */
export function percentileCurve(
  sorted: ArrayLike<number>,
  columnOf: (odds: number) => number,
): CurvePoint[] {
  const n = sorted.length;
  const point = (i: number): CurvePoint => ({ odds: n / (n - i), ms: sorted[i]! });
  if (n === 0) return [];
  // The fraction i/n of the values lies below value i: its odds are 1 / (1 - i/n).
  const points = [point(0)];
  let column = Math.floor(columnOf(1));
  for (let i = 1; i < n; i++) {
    const here = Math.floor(columnOf(n / (n - i)));
    if (here !== column && i - 1 > 0) points.push(point(i - 1));
    column = here;
  }
  if (n > 1) points.push(point(n - 1));
  return points;
}
