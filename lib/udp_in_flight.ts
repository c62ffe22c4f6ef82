/**
 * The probes a UDP prober has sent and not yet decided: one timer for all their
 * timeouts, and waits for fewer of them.
 *
 * @module
 */

import { ProbeError } from "./errors.ts";
import type { UdpOutcome } from "./udp_probe_options.ts";

/** A probe sent and not yet decided. */
export interface Pending {
  /** Its sequence number. */
  seq: number;
  /** The wall-clock time it was made, for its outcome. */
  timestamp: Date;
  /** `performance.now()` when it was due (load at a rate), or `NaN`. */
  scheduledAt: number;
  /** `performance.now()` when it was sent. */
  sentAt: number;
  /** The send time in its header: microseconds since the Unix epoch. */
  sentUs: number;
  /** `performance.now()` when it counts as lost. */
  expiresAt: number;
  /** Called with its outcome, for a caller that waits for it. */
  resolve: ((outcome: UdpOutcome) => void) | undefined;
}

/**
 * Probes in flight, in the order they were sent. All have the same timeout, so that
 * is also the order in which they expire: one timer, set for the oldest, serves all.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InFlight, type Pending } from "./udp_in_flight.ts";
 *
 * const expired: number[] = [];
 * using inFlight = new InFlight((pending) => {
 *   expired.push(pending.seq);
 *   inFlight.delete(pending.seq);
 * });
 * const now = performance.now();
 * const probe = (seq: number, expiresAt: number): Pending => ({
 *   seq, timestamp: new Date(), scheduledAt: NaN, sentAt: now, sentUs: 0, expiresAt,
 *   resolve: undefined,
 * });
 * inFlight.add(probe(1, now + 5));
 * inFlight.add(probe(2, now + 10));
 * inFlight.delete(2); // answered
 * assert.equal(await inFlight.waitBelow(1), true);
 * assert.deepEqual(expired, [1]);
 * ```
 */
export class InFlight implements Disposable {
  readonly #pending = new Map<number, Pending>();
  readonly #onExpire: (pending: Pending) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiters: { below: number; resolve: (reached: boolean) => void }[] = [];
  #closed = false;

  /**
   * Makes an empty table.
   *
   * @param onExpire Called for each probe whose time is up; it decides the probe and
   *   {@linkcode InFlight.delete}s it.
   */
  constructor(onExpire: (pending: Pending) => void) {
    this.#onExpire = onExpire;
  }

  /** Probes in flight. */
  get size(): number {
    return this.#pending.size;
  }

  /** The probes in flight, oldest first. */
  values(): IterableIterator<Pending> {
    return this.#pending.values();
  }

  /**
   * The probe in flight under `seq`.
   *
   * @param seq The sequence number.
   * @returns The probe, or `undefined` when none is in flight under it.
   */
  get(seq: number): Pending | undefined {
    return this.#pending.get(seq);
  }

  /**
   * Adds a probe just sent: it expires after those before it.
   *
   * @param pending The probe.
   */
  add(pending: Pending): void {
    this.#pending.set(pending.seq, pending);
    this.#arm();
  }

  /**
   * Removes a decided probe, and wakes the waits it ends.
   *
   * @param seq Its sequence number.
   */
  delete(seq: number): void {
    this.#pending.delete(seq);
    if (this.#waiters.length === 0) return;
    const size = this.#pending.size;
    const reached = this.#waiters.filter((waiter) => size < waiter.below);
    if (reached.length === 0) return;
    this.#waiters = this.#waiters.filter((waiter) => size >= waiter.below);
    for (const waiter of reached) waiter.resolve(true);
  }

  /**
   * Waits until fewer than `below` probes are in flight (`1`: all decided).
   *
   * @param below The count to get under.
   * @param signal Ends the wait early.
   * @returns `true` once under it; `false` when the signal or a dispose ended the wait.
   */
  waitBelow(below: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#pending.size < below) return Promise.resolve(true);
    if (signal?.aborted || this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((other) => other !== waiter);
        resolve(false);
      };
      const waiter = {
        below,
        resolve: (reached: boolean) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(reached);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /**
   * Stops the timer, forgets the probes (a caller waiting for one gets a failure that
   * counts nowhere) and ends every wait with `false`.
   */
  [Symbol.dispose](): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const pending of this.#pending.values()) pending.resolve?.(closedOutcome(pending));
    this.#pending.clear();
    for (const waiter of this.#waiters) waiter.resolve(false);
    this.#waiters = [];
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const oldest = this.#pending.values().next();
    if (oldest.done) return;
    this.#timer = setTimeout(this.#expire, Math.max(0, oldest.value.expiresAt - performance.now()));
  }

  readonly #expire = () => {
    this.#timer = undefined;
    const now = performance.now();
    for (const pending of this.#pending.values()) {
      if (pending.expiresAt > now) break; // a timer may fire a little early: set it again
      this.#onExpire(pending);
    }
    this.#arm();
  };
}

/**
 * A probe about to be sent.
 *
 * @param seq Its sequence number.
 * @param scheduledAt `performance.now()` when it was due, or `NaN`.
 * @returns The probe, with its send fields still empty.
 */
export function newPending(seq: number, scheduledAt: number): Pending {
  return {
    seq,
    timestamp: new Date(),
    scheduledAt,
    sentAt: NaN,
    sentUs: 0,
    expiresAt: Infinity,
    resolve: undefined,
  };
}

/**
 * The outcome an exchange gets when its prober closes first: counted nowhere.
 *
 * @param pending The probe.
 * @returns A failure with code `error`.
 */
export function closedOutcome(pending: Pending): UdpOutcome {
  const { seq, timestamp } = pending;
  const error = new ProbeError("error", "Prober closed before a reply", { seq });
  return { kind: "probe", seq, timestamp, ok: false, error };
}
