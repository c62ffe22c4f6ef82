/**
 * The bytes a probe sends: a pattern that differs per probe, so a stale or
 * misrouted echo never passes for the right one.
 *
 * @module
 */

/**
 * Fills `buffer` with pseudo-random bytes (xorshift32) seeded by `seed`.
 *
 * @param buffer The bytes to fill.
 * @param seed Any whole number; the same seed gives the same bytes.
 * @returns `buffer`.
 *
 * @example
 * ```ts
 * import { fillPattern } from "./payload.ts";
 *
 * const payload = fillPattern(new Uint8Array(250), 1);
 * ```
 */
export function fillPattern(buffer: Uint8Array, seed: number): Uint8Array {
  let state = (seed ^ 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < buffer.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    buffer[i] = state & 0xff;
  }
  return buffer;
}

/** Where and how an echo differs from what was sent. */
export interface Difference {
  /** Offset of the first differing byte, from 0. */
  offset: number;
  /** The byte sent there. */
  expected: number;
  /** The byte echoed there. */
  actual: number;
  /** How many bytes differ in all. */
  differing: number;
}

/**
 * Compares what was sent with what came back, over the length of `sent`.
 *
 * @param sent The bytes sent.
 * @param echoed The bytes echoed, at least as long as `sent`.
 * @returns `undefined` when they are equal, else where they differ.
 *
 * @example
 * ```ts
 * import { compare } from "./payload.ts";
 *
 * const difference = compare(new Uint8Array([1, 2, 3]), new Uint8Array([1, 9, 3]));
 * // { offset: 1, expected: 2, actual: 9, differing: 1 }
 * ```
 */
export function compare(sent: Uint8Array, echoed: Uint8Array): Difference | undefined {
  let first = -1;
  let differing = 0;
  for (let i = 0; i < sent.length; i++) {
    if (sent[i] !== echoed[i]) {
      if (first === -1) first = i;
      differing++;
    }
  }
  if (first === -1) return undefined;
  return { offset: first, expected: sent[first]!, actual: echoed[first]!, differing };
}
