/**
 * A latency histogram of fixed size: percentiles within 1% of the true value,
 * memory independent of how many samples it holds.
 *
 * @module
 */

/** Relative accuracy of a percentile (DDSketch's alpha). */
const ACCURACY = 0.01;
const GAMMA = (1 + ACCURACY) / (1 - ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Smallest value kept apart from zero: 1 ns, in milliseconds. */
const MIN_VALUE = 1e-6;
/** Largest value: about 11.6 days in milliseconds; larger values count as this. */
const MAX_VALUE = 1e9;
const BUCKETS = Math.ceil(Math.log(MAX_VALUE / MIN_VALUE) / LOG_GAMMA) + 1;

/**
 * Counts values in logarithmic buckets, each 2% wide, so that any percentile
 * is known within 1% (for values from 1 ns to 11 days, in milliseconds).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Histogram } from "./histogram.ts";
 *
 * const histogram = new Histogram();
 * for (let ms = 1; ms <= 100; ms++) histogram.record(ms);
 * assert.ok(Math.abs(histogram.percentile(99) - 99) <= 0.99);
 * assert.equal(histogram.count, 100);
 * ```
 */
export class Histogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;

  /** Values recorded. */
  get count(): number {
    return this.#count;
  }

  /**
   * Counts one value.
   *
   * @param value A non-negative number (milliseconds, by this library's habit).
   */
  record(value: number): void {
    this.#counts[bucketOf(value)]!++;
    this.#count++;
  }

  /** Adds every value of `other` to this one. */
  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.#counts[i]! += other.#counts[i]!;
    this.#count += other.#count;
  }

  /**
   * The value below which `percent` of the values fall (nearest rank).
   *
   * @param percent From 0 to 100.
   * @returns That value within 1%, or `NaN` when nothing was recorded.
   */
  percentile(percent: number): number {
    if (this.#count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((percent / 100) * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return valueOf(i);
    }
    return valueOf(BUCKETS - 1);
  }
}

function bucketOf(value: number): number {
  if (!(value > MIN_VALUE)) return 0;
  if (value >= MAX_VALUE) return BUCKETS - 1;
  return Math.ceil(Math.log(value / MIN_VALUE) / LOG_GAMMA);
}

/** The value that represents bucket `i`: within 1% of everything in it. */
function valueOf(i: number): number {
  if (i === 0) return 0;
  return (MIN_VALUE * 2 * GAMMA ** i) / (GAMMA + 1);
}
