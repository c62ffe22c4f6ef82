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
 * @module
 */

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
 * import { DeadlineTimer } from "./deadline.ts";
 *
 * using timer = new DeadlineTimer(30_000);
 * using deadline = timer.start();
 * deadline.renew(); // a record arrived: 30 s more
 * deadline.signal.aborted; // false
 * ```
 */
export class DeadlineTimer implements Disposable {
  /** Milliseconds from a renewal to expiry. */
  readonly timeoutMs: number;
  /** Milliseconds between two checks: how late at most an expiry is noticed. */
  readonly resolutionMs: number;
  readonly #watched = new Set<Deadline>();
  #interval: ReturnType<typeof setInterval> | undefined;

  /**
   * @param timeoutMs Milliseconds from a renewal to expiry.
   * @param resolutionMs Milliseconds between checks.
   * @default resolutionMs a tenth of `timeoutMs`, from 10 ms to 1 s
   */
  constructor(timeoutMs: number, resolutionMs = Math.min(1_000, Math.max(10, timeoutMs / 10))) {
    this.timeoutMs = timeoutMs;
    this.resolutionMs = resolutionMs;
  }

  /**
   * Starts watching a new deadline, `timeoutMs` from now.
   *
   * @returns The deadline; dispose of it to stop watching.
   */
  start(): Deadline {
    const deadline = new Deadline(this);
    this.#watched.add(deadline);
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
    this.#watched.delete(deadline);
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
    for (const deadline of this.#watched) {
      if (deadline.expiresAt > now) continue;
      deadline.abort(
        deadline.expiresAt >= deadline.limitAt ? LIMIT_REASON : timeoutReason(this.timeoutMs),
      );
    }
  }
}

/**
 * One renewable deadline of a {@linkcode DeadlineTimer}: its `signal` aborts with
 * a `TimeoutError` once `timeoutMs` pass without a {@linkcode Deadline.renew}.
 */
export class Deadline implements Disposable {
  /** Aborts when the deadline passes, or on {@linkcode Deadline.abort}. */
  readonly signal: AbortSignal;
  /** `performance.now()` time at which the deadline passes. */
  expiresAt: number;
  /** `performance.now()` time that no renewal goes past: see {@linkcode Deadline.limit}. */
  limitAt = Infinity;
  readonly #timer: DeadlineTimer;
  readonly #controller = new AbortController();

  /**
   * Use {@linkcode DeadlineTimer.start}.
   *
   * @param timer The timer that watches this deadline.
   */
  constructor(timer: DeadlineTimer) {
    this.#timer = timer;
    this.signal = this.#controller.signal;
    this.expiresAt = performance.now() + timer.timeoutMs;
  }

  /**
   * Moves the deadline to `timeoutMs` from now: one clock read, nothing allocated.
   *
   * @param now `performance.now()`, when the caller has just read it.
   */
  renew(now: number = performance.now()): void {
    const at = now + this.#timer.timeoutMs;
    this.expiresAt = at < this.limitAt ? at : this.limitAt;
  }

  /**
   * Sets a hard limit `ms` from now that renewals cannot pass; when it is what
   * expires, the signal aborts with {@linkcode LIMIT_REASON} instead of a timeout.
   *
   * @param ms Milliseconds from now.
   */
  limit(ms: number): void {
    this.limitAt = performance.now() + ms;
    if (this.expiresAt > this.limitAt) this.expiresAt = this.limitAt;
  }

  /**
   * Aborts the signal now (once; later calls do nothing) and stops watching.
   *
   * @param reason The signal's reason.
   */
  abort(reason: unknown): void {
    this.#timer.stop(this);
    this.#controller.abort(reason);
  }

  /** Stops watching, without aborting. */
  [Symbol.dispose](): void {
    this.#timer.stop(this);
  }
}
