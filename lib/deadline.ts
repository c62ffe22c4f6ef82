/**
 * Deadlines that cost no timer each: one interval timer checks them all.
 *
 * The server renews a connection's deadline on every record. A fresh
 * `AbortSignal.timeout()` per record would leave one pending 30 s timer per
 * record (a sketch of that grew from 40 MB to 290 MB RSS under 32 busy
 * connections), so a {@linkcode Deadline} is renewed by writing one number and
 * a shared {@linkcode DeadlineTimer} aborts the signals of the expired ones.
 * Each deadline still is an `AbortSignal`, composable with `AbortSignal.any`.
 *
 * A renewal reads no clock either: it marks the deadline, and the timer's next
 * check moves a marked deadline to `timeoutMs` from that check. The clock read
 * per renewal was 2.6% of the server's CPU time under ping-pong load. A deadline
 * therefore expires no earlier than `timeoutMs` after its last renewal and at
 * most two check intervals later. A new deadline starts marked, so starting one
 * reads no clock either (three reads a connection were 2% of the server's CPU time
 * under new connections).
 *
 * @module
 */

import { type LiveEntry, LiveList } from "./live_list.ts";

/** The reason a deadline's signal aborts with when its hard limit passes. */
export const LIMIT_REASON: DOMException = new DOMException("Time limit reached", "AbortError");

/** The reason a deadline's signal aborts with, as `AbortSignal.timeout()` has it. */
function timeoutReason(timeoutMs: number): DOMException {
  return new DOMException(`Signal timed out after ${timeoutMs} ms`, "TimeoutError");
}

/**
 * Checks many deadlines with one interval timer, which runs while deadlines are
 * watched and stops at the first check that finds none (or on dispose).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DeadlineTimer } from "./deadline.ts";
 *
 * using timer = new DeadlineTimer(50);
 * using deadline = timer.start();
 * deadline.renew(); // a record arrived: 50 ms more
 * assert.equal(deadline.signal.aborted, false);
 * const reason = await new Promise((resolve) =>
 *   deadline.signal.addEventListener("abort", () => resolve(deadline.signal.reason))
 * );
 * assert.equal((reason as DOMException).name, "TimeoutError");
 * ```
 */
export class DeadlineTimer implements Disposable {
  /** Milliseconds from a renewal to expiry. */
  readonly timeoutMs: number;
  /**
   * Milliseconds between two checks. A deadline expires from `timeoutMs` to
   * `timeoutMs + 2 * resolutionMs` after its last renewal.
   */
  readonly resolutionMs: number;
  /** Not a `Set`: see lib/live_list.ts (a deadline per connection comes and goes). */
  readonly #watched = new LiveList<Deadline>();
  #interval: ReturnType<typeof setInterval> | undefined;

  /**
   * Makes a timer; its interval starts with the first deadline.
   *
   * @param timeoutMs Milliseconds from a renewal to expiry.
   * @param resolutionMs Milliseconds between checks; by default
   *   {@linkcode defaultResolutionMs}`(timeoutMs)`.
   */
  constructor(timeoutMs: number, resolutionMs: number = defaultResolutionMs(timeoutMs)) {
    this.timeoutMs = timeoutMs;
    this.resolutionMs = resolutionMs;
  }

  /**
   * Starts watching a new deadline, `timeoutMs` from now.
   *
   * @param onAbort Called once when the deadline aborts, right after its signal, and
   *   never after it is disposed of: the same as an "abort" listener removed on dispose,
   *   without the cost of adding and removing a listener per connection.
   * @returns The deadline; dispose of it to stop watching.
   */
  start(onAbort?: () => void): Deadline {
    const deadline = new Deadline(this, onAbort);
    setEntry(deadline, this.#watched.add(deadline));
    if (this.#interval === undefined) {
      this.#interval = setInterval(() => this.#check(), this.resolutionMs);
    }
    return deadline;
  }

  /**
   * Stops watching `deadline`. The interval stops at its next check if no deadline is
   * left then (not at once: a server with connections coming and going would start and
   * clear a timer per connection), or at once on dispose.
   */
  stop(deadline: Deadline): void {
    const entry = takeEntry(deadline);
    if (entry) this.#watched.remove(entry);
  }

  /** Stops the interval now; deadlines still watched then never expire. */
  [Symbol.dispose](): void {
    this.#watched.clear();
    clearInterval(this.#interval);
    this.#interval = undefined;
  }

  #check(): void {
    if (this.#watched.size === 0) {
      clearInterval(this.#interval);
      this.#interval = undefined;
      return;
    }
    const now = performance.now();
    for (const deadline of this.#watched) checkDeadline(deadline, now, this.timeoutMs);
  }
}

/**
 * Moves a renewed deadline and aborts an expired one: the timer's side of a
 * {@linkcode Deadline}, which keeps its fields private to this module.
 */
let checkDeadline: (deadline: Deadline, now: number, timeoutMs: number) => void;
/** Keeps a deadline's place in its timer's list. */
let setEntry: (deadline: Deadline, entry: LiveEntry<Deadline>) => void;
/** A deadline's place in its timer's list, given up (`undefined` once stopped). */
let takeEntry: (deadline: Deadline) => LiveEntry<Deadline> | undefined;

/**
 * One renewable deadline of a {@linkcode DeadlineTimer}: its `signal` aborts with
 * a `TimeoutError` once `timeoutMs` pass without a {@linkcode Deadline.renew}.
 */
export class Deadline implements Disposable {
  /** `performance.now()` time at which the deadline passes, as of the timer's last check. */
  #expiresAt = Infinity;
  /** Renewed (or started) since the timer's last check, which then moves `#expiresAt`. */
  #renewed = true;
  /** `performance.now()` time that no renewal goes past: see {@linkcode Deadline.limit}. */
  #limitAt = Infinity;
  readonly #timer: DeadlineTimer;
  /** Made when `signal` is first asked for: most connections never ask. */
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #onAbort: (() => void) | undefined;
  #entry: LiveEntry<Deadline> | undefined;

  static {
    setEntry = (deadline, entry) => deadline.#entry = entry;
    takeEntry = (deadline) => {
      const entry = deadline.#entry;
      deadline.#entry = undefined;
      return entry;
    };
    checkDeadline = (deadline, now, timeoutMs) => {
      if (deadline.#renewed) {
        deadline.#renewed = false;
        const at = now + timeoutMs;
        deadline.#expiresAt = at < deadline.#limitAt ? at : deadline.#limitAt;
      }
      if (deadline.#expiresAt > now) return;
      deadline.abort(
        deadline.#expiresAt >= deadline.#limitAt ? LIMIT_REASON : timeoutReason(timeoutMs),
      );
    };
  }

  /**
   * Use {@linkcode DeadlineTimer.start}.
   *
   * @param timer The timer that watches this deadline.
   * @param onAbort See {@linkcode DeadlineTimer.start}.
   */
  constructor(timer: DeadlineTimer, onAbort?: () => void) {
    this.#timer = timer;
    this.#onAbort = onAbort;
  }

  /**
   * Aborts when the deadline passes, or on {@linkcode Deadline.abort}. Made on first use
   * (aborted already if the deadline was): a server's echo loop asks for it only for a
   * write in pieces or a wait for its buffer budget.
   */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Whether the deadline aborted: `signal.aborted`, without making the signal. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** Why it aborted (`undefined` before): `signal.reason`, without making the signal. */
  get reason(): unknown {
    return this.#reason;
  }

  /**
   * Gives the deadline `timeoutMs` more from now (up to its limit, if any): one
   * field written, no clock read, nothing allocated.
   */
  renew(): void {
    this.#renewed = true;
  }

  /**
   * Sets a hard limit `ms` from now that renewals cannot pass; when it is what
   * expires, the signal aborts with {@linkcode LIMIT_REASON} instead of a timeout.
   *
   * @param ms Milliseconds from now.
   */
  limit(ms: number): void {
    this.#limitAt = performance.now() + ms;
    if (this.#expiresAt > this.#limitAt) this.#expiresAt = this.#limitAt;
  }

  /**
   * Aborts the signal now (once; later calls do nothing) and stops watching.
   *
   * @param reason The signal's reason.
   */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#timer.stop(this);
    this.#controller?.abort(reason);
    const onAbort = this.#onAbort;
    this.#onAbort = undefined;
    onAbort?.();
  }

  /** Stops watching, without aborting; `onAbort` is not called after this. */
  [Symbol.dispose](): void {
    this.#onAbort = undefined;
    this.#timer.stop(this);
  }
}

/**
 * The check interval that fits a timeout: a twentieth of it, from 10 ms to 500 ms,
 * so that a 30 s timeout fires from 30 s to 31 s after the last renewal.
 *
 * @param timeoutMs The shortest time the timer enforces.
 * @returns Milliseconds between checks.
 */
export function defaultResolutionMs(timeoutMs: number): number {
  return Math.min(500, Math.max(10, timeoutMs / 20));
}
