/**
 * The per-second figures of a load run, TCP or UDP alike (as iperf3's intervals).
 *
 * @module
 */

import type { ErrorCode } from "./errors.ts";
import type { LoadInterval } from "./load.ts";
import { ProbeStats } from "./stats.ts";

/**
 * The figures of the interval under way, handed on and started afresh at each
 * {@linkcode LoadIntervals.end}: a new `ProbeStats` once a second, nothing allocated
 * per probe.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LoadInterval } from "./load.ts";
 * import { LoadIntervals } from "./load_intervals.ts";
 *
 * const intervals: LoadInterval[] = [];
 * const figures = new LoadIntervals(Date.now(), (interval) => intervals.push(interval));
 * figures.success(2);
 * figures.failure("timeout");
 * figures.end(1_000);
 * figures.success(4);
 * figures.end(1_500);
 * assert.deepEqual(intervals.map(({ startMs, elapsedMs, ok, failed }) => [startMs, elapsedMs, ok, failed]), [
 *   [0, 1_000, 1, 1],
 *   [1_000, 1_500, 1, 0],
 * ]);
 * ```
 */
export class LoadIntervals {
  readonly #startedAt: number;
  readonly #onInterval: (interval: LoadInterval) => void;
  #second = new ProbeStats();
  /** Milliseconds from the run's start to the start of the interval under way. */
  #startMs = 0;

  /**
   * Starts the first interval.
   *
   * @param startedAt `Date.now()` at the run's start.
   * @param onInterval Given each interval as it ends.
   */
  constructor(startedAt: number, onInterval: (interval: LoadInterval) => void) {
    this.#startedAt = startedAt;
    this.#onInterval = onInterval;
  }

  /** Whether the interval under way holds a probe, or is the run's first. */
  get worthEnding(): boolean {
    return this.#startMs === 0 || this.#second.summary().transmitted > 0;
  }

  /**
   * A probe of the interval under way succeeded.
   *
   * @param ms Its latency, in milliseconds.
   */
  success(ms: number): void {
    this.#second.success(ms);
  }

  /**
   * A probe of the interval under way failed.
   *
   * @param code Why.
   */
  failure(code: ErrorCode): void {
    this.#second.failure(code);
  }

  /**
   * Ends the interval under way, hands on its figures, and starts the next one.
   *
   * @param elapsedMs Milliseconds from the run's start to now.
   */
  end(elapsedMs: number): void {
    const figures = this.#second.summary();
    this.#onInterval({
      startedAt: new Date(this.#startedAt + this.#startMs),
      startMs: this.#startMs,
      elapsedMs,
      ok: figures.received,
      failed: figures.transmitted - figures.received,
      p50Ms: figures.p50Ms,
      p99Ms: figures.p99Ms,
      maxMs: figures.maxMs,
      errors: figures.errors,
    });
    this.#second = new ProbeStats();
    this.#startMs = elapsedMs;
  }
}
