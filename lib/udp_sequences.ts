/**
 * What a UDP prober knows of each recent sequence number, one byte each: sent,
 * answered, lost, failed or answered late.
 *
 * @module
 */

/** The state of a sequence number in {@linkcode SequenceStates}. */
export const SEQ = {
  /** Nothing sent under it (or not yet). */
  unknown: 0,
  /** Sent, not yet decided. */
  sent: 1,
  /** Its first reply came in time and matched. */
  answered: 2,
  /** No reply within the timeout. */
  lost: 3,
  /** Its reply was wrong, or the send failed. */
  failed: 4,
  /** Lost, then its reply came after all. */
  late: 5,
} as const;

/** Sequence numbers remembered: a reply to an older one is taken as late. */
const RING = 1 << 20;

/**
 * The state of each recent sequence number, in memory that grows with the run up to
 * one MiB (the last 1,048,576 numbers), then wraps.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SEQ, SequenceStates } from "./udp_sequences.ts";
 *
 * const states = new SequenceStates();
 * states.sent(5000);
 * assert.equal(states.get(5000), SEQ.sent);
 * states.set(5000, SEQ.answered);
 * assert.equal(states.get(5000), SEQ.answered);
 * assert.equal(states.get(4999), SEQ.unknown);
 * assert.equal(states.highest, 5000);
 * ```
 */
export class SequenceStates {
  #states = new Uint8Array(1024);
  #highest = 0;

  /** The highest sequence number sent. */
  get highest(): number {
    return this.#highest;
  }

  /**
   * Marks `seq` sent.
   *
   * @param seq The sequence number.
   */
  sent(seq: number): void {
    while (seq >= this.#states.length && this.#states.length < RING) {
      // Before the ring is full no number has wrapped: the old states keep their places.
      const grown = new Uint8Array(this.#states.length * 2);
      grown.set(this.#states);
      this.#states = grown;
    }
    this.#highest = Math.max(this.#highest, seq);
    this.set(seq, SEQ.sent);
  }

  /**
   * The state of `seq`.
   *
   * @param seq The sequence number.
   * @returns One of {@linkcode SEQ}, or `undefined` when it is too old to be remembered.
   */
  get(seq: number): number | undefined {
    if (seq <= this.#highest - this.#states.length) return undefined;
    return this.#states[seq & (this.#states.length - 1)];
  }

  /**
   * Sets the state of `seq` (forgotten when it is too old).
   *
   * @param seq The sequence number.
   * @param state One of {@linkcode SEQ}.
   */
  set(seq: number, state: number): void {
    if (seq > this.#highest - this.#states.length) {
      this.#states[seq & (this.#states.length - 1)] = state;
    }
  }
}
