/**
 * A run's figures for `echoprobe report`'s tables and axes: counts, errors by code,
 * duration and latency percentiles, from a ping run's probes or a load run's
 * intervals and closing object.
 *
 * @module
 */

import { percentileOf } from "./report_data.ts";
import type { Run } from "./report_input.ts";

/** A run's figures, as the summary table shows them. */
export interface RunFigures {
  /** Probes sent. */
  probes: number;
  /** Successes. */
  ok: number;
  /** Failures by code. */
  errors: Record<string, number>;
  /** How long the run took, in milliseconds. */
  durationMs: number;
  /** Latency percentiles and extremes, in milliseconds (`NaN` when unknown). */
  minMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** The successes' latencies, ascending (a ping run's; a load run has none). */
  sorted: Float64Array;
}

/**
 * A number of a run's closing object (`"type":"summary"` or `"type":"load"`).
 *
 * @param run The run.
 * @param key The field.
 * @returns The number, or `NaN` when the field is missing or not a finite number.
 */
export function summaryNumber(run: Run, key: string): number {
  const value = run.summary?.[key];
  return typeof value === "number" && Number.isFinite(value) ? value : NaN;
}

/**
 * A run's figures: from its probes for a ping run, from its intervals and closing
 * object for a load run.
 *
 * @param run The run.
 * @returns Its figures.
 */
export function runFigures(run: Run): RunFigures {
  if (run.kind === "load") {
    const intervals = run.intervals;
    const errors: Record<string, number> = {};
    const closing = run.summary?.errors;
    for (const interval of intervals) {
      for (const [code, n] of Object.entries(interval.errors)) {
        errors[code] = (errors[code] ?? 0) + n;
      }
    }
    if (typeof closing === "object" && closing !== null) {
      for (const [code, n] of Object.entries(closing)) if (typeof n === "number") errors[code] = n;
    }
    const sum = (key: "ok" | "failed") => intervals.reduce((total, row) => total + row[key], 0);
    const ok = Number.isNaN(summaryNumber(run, "ok")) ? sum("ok") : summaryNumber(run, "ok");
    const failed = Number.isNaN(summaryNumber(run, "failed"))
      ? sum("failed")
      : summaryNumber(run, "failed");
    const duration = summaryNumber(run, "durationMs");
    return {
      probes: ok + failed,
      ok,
      errors,
      durationMs: Number.isNaN(duration) ? intervals.at(-1)?.endMs ?? 0 : duration,
      minMs: summaryNumber(run, "minMs"),
      p50Ms: summaryNumber(run, "p50Ms"),
      p90Ms: summaryNumber(run, "p90Ms"),
      p99Ms: summaryNumber(run, "p99Ms"),
      p999Ms: summaryNumber(run, "p999Ms"),
      maxMs: summaryNumber(run, "maxMs"),
      sorted: new Float64Array(0),
    };
  }
  const sorted = Float64Array.from(run.ms.filter((ms) => !Number.isNaN(ms))).sort();
  const errors: Record<string, number> = {};
  for (const index of run.code) {
    if (index >= 0) errors[run.codes[index]!] = (errors[run.codes[index]!] ?? 0) + 1;
  }
  const last = run.atMs.length - 1;
  const lastEnd = last < 0
    ? 0
    : run.atMs[last]! + (Number.isNaN(run.ms[last]!) ? 0 : run.ms[last]!);
  const duration = summaryNumber(run, "durationMs");
  return {
    probes: run.atMs.length,
    ok: sorted.length,
    errors,
    durationMs: Number.isNaN(duration) ? lastEnd : duration,
    minMs: sorted[0] ?? NaN,
    p50Ms: percentileOf(sorted, 50),
    p90Ms: percentileOf(sorted, 90),
    p99Ms: percentileOf(sorted, 99),
    p999Ms: percentileOf(sorted, 99.9),
    maxMs: sorted.at(-1) ?? NaN,
    sorted,
  };
}
