/**
 * The server's buffer budget: the bytes all connections together may hold in
 * buffers grown past their first one. A connection that needs more to hold a
 * record waits for its turn instead of growing the process.
 *
 * @module
 */

interface Waiter {
  bytes: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * Bytes shared by many connections: taken at once when there is room
 * ({@linkcode BufferBudget.tryReserve}), or waited for, first come first served
 * ({@linkcode BufferBudget.reserve}), and given back with
 * {@linkcode BufferBudget.release}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferBudget } from "./budget.ts";
 *
 * const budget = new BufferBudget(1000);
 * assert.equal(budget.tryReserve(600), true);
 * assert.equal(budget.tryReserve(600), false); // no room: the caller keeps what it has
 * const waiting = budget.reserve(600); // waits for room
 * assert.equal(budget.waiting, true);
 * budget.release(600);
 * await waiting;
 * assert.equal(budget.available, 400);
 * ```
 */
export class BufferBudget {
  /** The bytes shared. */
  readonly total: number;
  #available: number;
  readonly #waiters: Waiter[] = [];

  /**
   * Makes a budget with all of its bytes available.
   *
   * @param total The bytes shared.
   */
  constructor(total: number) {
    this.total = total;
    this.#available = total;
  }

  /** Bytes not reserved now. */
  get available(): number {
    return this.#available;
  }

  /** Bytes reserved now. */
  get reserved(): number {
    return this.total - this.#available;
  }

  /** Whether a {@linkcode BufferBudget.reserve} is waiting for room. */
  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  /**
   * Reserves `bytes` if they are available now and nobody waits before.
   *
   * @param bytes The bytes wanted.
   * @returns Whether they were reserved.
   */
  tryReserve(bytes: number): boolean {
    if (this.#waiters.length > 0 || bytes > this.#available) return false;
    this.#available -= bytes;
    return true;
  }

  /**
   * Reserves `bytes`, waiting behind earlier callers until they are available.
   *
   * @param bytes The bytes wanted: at most {@linkcode BufferBudget.total}.
   * @param signal Gives up the wait when it aborts.
   * @returns Settles once the bytes are reserved.
   * @throws {RangeError} When `bytes` is more than the whole budget.
   * @throws The reason of `signal` when it aborts first (nothing is reserved then).
   */
  reserve(bytes: number, signal?: AbortSignal): Promise<void> {
    if (bytes > this.total) {
      return Promise.reject(
        new RangeError(`Cannot reserve ${bytes} bytes of a budget of ${this.total}`),
      );
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryReserve(bytes)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.#waiters.indexOf(waiter);
          if (index !== -1) this.#waiters.splice(index, 1);
          reject(signal!.reason);
          // The first waiter gone may let those behind it through.
          this.#wake();
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /**
   * Gives back bytes reserved earlier, and lets waiters through in order while they fit.
   *
   * @param bytes The bytes given back.
   */
  release(bytes: number): void {
    if (bytes === 0) return;
    this.#available += bytes;
    this.#wake();
  }

  #wake(): void {
    for (let first = this.#waiters[0]; first; first = this.#waiters[0]) {
      if (first.bytes > this.#available) return;
      this.#waiters.shift();
      this.#available -= first.bytes;
      first.signal?.removeEventListener("abort", first.onAbort);
      first.resolve();
    }
  }
}
