/**
 * Statistics of a run of probes: loss, min/avg/max/mdev, percentiles, jitter,
 * failures by code.
 *
 * @module
 */

import type { ErrorCode } from "./errors.ts";
import { Histogram } from "./histogram.ts";

/** The statistics of a run, as {@linkcode ProbeStats.summary} gives them. */
export interface ProbeSummary {
  /** Probes sent. */
  transmitted: number;
  /** Probes whose echo came back complete and unchanged. */
  received: number;
  /** `100 * (transmitted - received) / transmitted`; 0 when nothing was sent. */
  lossPct: number;
  /** Fastest probe, in milliseconds (`NaN` when none succeeded). */
  minMs: number;
  /** Mean, in milliseconds. */
  avgMs: number;
  /** Slowest, in milliseconds. */
  maxMs: number;
  /** Mean deviation as ping gives it: the standard deviation, in milliseconds. */
  mdevMs: number;
  /** Median, within 1%. */
  p50Ms: number;
  /** 90th percentile, within 1%. */
  p90Ms: number;
  /** 99th percentile, within 1%. */
  p99Ms: number;
  /** Mean absolute difference between consecutive successful probes, in milliseconds. */
  jitterMs: number;
  /** Failed probes by error code. */
  errors: Partial<Record<ErrorCode, number>>;
}

/**
 * Accumulates probe outcomes in constant memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProbeStats } from "./stats.ts";
 *
 * const stats = new ProbeStats();
 * stats.success(1);
 * stats.success(3);
 * stats.failure("refused");
 * const { transmitted, received, lossPct, avgMs, mdevMs, errors } = stats.summary();
 * assert.deepEqual([transmitted, received, avgMs, mdevMs], [3, 2, 2, 1]);
 * assert.equal(lossPct.toFixed(1), "33.3");
 * assert.deepEqual(errors, { refused: 1 });
 * ```
 */
export class ProbeStats {
  readonly #histogram = new Histogram();
  readonly #errors: Partial<Record<ErrorCode, number>> = {};
  #transmitted = 0;
  #received = 0;
  #min = Infinity;
  #max = -Infinity;
  #sum = 0;
  #sumOfSquares = 0;
  #previous = NaN;
  #jitterSum = 0;
  #jitterCount = 0;

  /**
   * Counts a successful probe.
   *
   * @param ms Its time in milliseconds.
   */
  success(ms: number): void {
    this.#transmitted++;
    this.#received++;
    this.#histogram.record(ms);
    this.#min = Math.min(this.#min, ms);
    this.#max = Math.max(this.#max, ms);
    this.#sum += ms;
    this.#sumOfSquares += ms * ms;
    if (!Number.isNaN(this.#previous)) {
      this.#jitterSum += Math.abs(ms - this.#previous);
      this.#jitterCount++;
    }
    this.#previous = ms;
  }

  /**
   * Counts a failed probe.
   *
   * @param code Why it failed.
   */
  failure(code: ErrorCode): void {
    this.#transmitted++;
    this.#errors[code] = (this.#errors[code] ?? 0) + 1;
  }

  /** The statistics so far. */
  summary(): ProbeSummary {
    const n = this.#received;
    const avg = n ? this.#sum / n : NaN;
    return {
      transmitted: this.#transmitted,
      received: n,
      lossPct: this.#transmitted ? (100 * (this.#transmitted - n)) / this.#transmitted : 0,
      minMs: n ? this.#min : NaN,
      avgMs: avg,
      maxMs: n ? this.#max : NaN,
      mdevMs: n ? Math.sqrt(Math.max(0, this.#sumOfSquares / n - avg * avg)) : NaN,
      p50Ms: this.percentile(50),
      p90Ms: this.percentile(90),
      p99Ms: this.percentile(99),
      jitterMs: this.#jitterCount ? this.#jitterSum / this.#jitterCount : NaN,
      errors: { ...this.#errors },
    };
  }

  /**
   * A percentile of the successful probes' times, within 1%, and never outside the
   * fastest and slowest seen.
   *
   * @param percent From 0 to 100.
   * @returns Milliseconds, or `NaN` when no probe succeeded.
   */
  percentile(percent: number): number {
    const ms = this.#histogram.percentile(percent);
    return Number.isNaN(ms) ? ms : Math.min(this.#max, Math.max(this.#min, ms));
  }
}
