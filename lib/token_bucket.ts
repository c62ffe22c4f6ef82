/**
 * Token buckets: a rate with a burst, for the UDP server's per-source and global limits.
 *
 * @module
 */

/** The state of one bucket: kept apart from its rate so that many buckets share one rate. */
export interface TokenState {
  /** Tokens in the bucket at `updatedAt` (fractions count). */
  tokens: number;
  /** When `tokens` was last brought up to date, in milliseconds (`performance.now()`). */
  updatedAt: number;
}

/**
 * Refills a bucket for the time gone by and takes one token if there is one.
 *
 * @param state The bucket; updated in place.
 * @param ratePerSecond Tokens added per second.
 * @param burst The most tokens the bucket holds.
 * @param nowMs The time now, on the clock of `state.updatedAt`.
 * @returns `true` when a token was taken (the datagram may be answered).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { takeToken } from "./token_bucket.ts";
 *
 * const state = { tokens: 2, updatedAt: 0 };
 * assert.deepEqual([takeToken(state, 10, 2, 0), takeToken(state, 10, 2, 0)], [true, true]);
 * assert.equal(takeToken(state, 10, 2, 50), false); // half a token after 50 ms at 10/s
 * assert.equal(takeToken(state, 10, 2, 100), true); // one whole token after 100 ms
 * ```
 */
export function takeToken(
  state: TokenState,
  ratePerSecond: number,
  burst: number,
  nowMs: number,
): boolean {
  const elapsedMs = nowMs - state.updatedAt;
  const tokens = elapsedMs > 0
    ? Math.min(burst, state.tokens + (elapsedMs * ratePerSecond) / 1000)
    : state.tokens;
  state.updatedAt = Math.max(nowMs, state.updatedAt);
  if (tokens < 1) {
    state.tokens = tokens;
    return false;
  }
  state.tokens = tokens - 1;
  return true;
}

/**
 * Whether a bucket left alone since `state.updatedAt` would be full by `nowMs`: such a
 * bucket can be forgotten and made again full, with no change in what it allows.
 *
 * @param state The bucket.
 * @param ratePerSecond Tokens added per second.
 * @param burst The most tokens the bucket holds.
 * @param nowMs The time now.
 * @returns `true` when it would hold `burst` tokens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isFull } from "./token_bucket.ts";
 *
 * assert.equal(isFull({ tokens: 0, updatedAt: 0 }, 10, 5, 499), false);
 * assert.equal(isFull({ tokens: 0, updatedAt: 0 }, 10, 5, 500), true);
 * ```
 */
export function isFull(
  state: TokenState,
  ratePerSecond: number,
  burst: number,
  nowMs: number,
): boolean {
  return state.tokens + ((nowMs - state.updatedAt) * ratePerSecond) / 1000 >= burst;
}

/**
 * One token bucket: `ratePerSecond` tokens a second, at most `burst` held, full at first.
 *
 * @example Ten at once, then one every 100 ms
 * ```ts
 * import assert from "node:assert/strict";
 * import { TokenBucket } from "./token_bucket.ts";
 *
 * const bucket = new TokenBucket(10, 10, 0);
 * let taken = 0;
 * for (let i = 0; i < 20; i++) if (bucket.take(0)) taken++;
 * assert.equal(taken, 10);
 * assert.equal(bucket.take(100), true);
 * assert.equal(bucket.take(100), false);
 * ```
 */
export class TokenBucket implements TokenState {
  /** Tokens at `updatedAt`. */
  tokens: number;
  /** When `tokens` was last brought up to date. */
  updatedAt: number;
  /** Tokens added per second. */
  readonly ratePerSecond: number;
  /** The most tokens held. */
  readonly burst: number;

  /**
   * Makes a full bucket.
   *
   * @param ratePerSecond Tokens added per second.
   * @param burst The most tokens held.
   * @param nowMs The time now (`performance.now()` by default).
   */
  constructor(ratePerSecond: number, burst: number, nowMs: number = performance.now()) {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.tokens = burst;
    this.updatedAt = nowMs;
  }

  /**
   * Takes a token if there is one.
   *
   * @param nowMs The time now (`performance.now()` by default).
   * @returns `true` when a token was taken.
   */
  take(nowMs: number = performance.now()): boolean {
    return takeToken(this, this.ratePerSecond, this.burst, nowMs);
  }
}
