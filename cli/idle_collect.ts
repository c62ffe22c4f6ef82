/**
 * Gives a running server's memory back once its connections stop coming: one
 * memory-reducing garbage collection, a while after the last new connection.
 *
 * Measured with Deno 2.9.6 (V8 15.0): after 100,000 connections had come and gone, the
 * JS heap in use was back to 4-5 MiB, but V8 kept the pages it had grown to (a heap of
 * 12-27 MiB, by the semi-space size) and RSS stayed 28-41 MB above its start for as long
 * as it was watched; V8's own memory reducer never ran on the idle server. One
 * `gc({ flavor: "last-resort" })` (a full collection that releases the free pages and
 * shrinks the young generation; a plain `gc()` does neither) took it back to 1.8 MB of
 * anonymous memory above the start, in a pause of about 20 ms.
 *
 * @module
 */

/** Milliseconds without a new connection, after a close, before the heap is collected. */
export const IDLE_COLLECT_MS = 2_000;
/** How much the V8 heap must have grown since the last collection to be worth a pause. */
export const COLLECT_GROWTH_BYTES = 4 * 1024 * 1024;

/** A collection that gives memory back. */
export type Collect = () => void;

/**
 * V8's memory-reducing collection, when the process has one: `deno run
 * --v8-flags=--expose-gc` (as `deno task serve` and the compiled binary run the
 * server) makes `gc` a global; without it, `undefined`.
 *
 * @returns The collection, or `undefined`.
 */
export function exposedCollect(): Collect | undefined {
  const gc = (globalThis as { gc?: (options: Record<string, string>) => unknown }).gc;
  if (typeof gc !== "function") return undefined;
  return () => gc({ type: "major", execution: "sync", flavor: "last-resort" });
}

/** What an {@linkcode IdleCollector} watches and does; tests give their own. */
export interface IdleCollectorOptions {
  /** The collection: by default {@linkcode exposedCollect}'s (none: nothing is done). */
  collect?: Collect | undefined;
  /** Bytes of the V8 heap now: by default `Deno.memoryUsage().heapTotal`. */
  heapBytes?: () => number;
  /** @default {2000} */
  idleMs?: number;
  /** @default {4194304} */
  growthBytes?: number;
}

/**
 * Collects the heap once no connection has come for `idleMs` after a close, when the
 * heap grew by `growthBytes` since the last collection (or the start). A close arms
 * one timer if none is armed: nothing per connection beyond a field read, one timer
 * per `idleMs` at most while connections keep coming.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IdleCollector } from "./idle_collect.ts";
 *
 * let heap = 10_000_000;
 * let collected = 0;
 * const done = Promise.withResolvers<void>();
 * using collector = new IdleCollector(() => 5, {
 *   collect: () => {
 *     collected++;
 *     done.resolve();
 *   },
 *   heapBytes: () => heap,
 *   idleMs: 10,
 *   growthBytes: 1_000_000,
 * });
 * heap += 2_000_000; // the connections grew the heap
 * collector.closed();
 * await done.promise;
 * assert.equal(collected, 1);
 * ```
 */
export class IdleCollector implements Disposable {
  readonly #connections: () => number;
  readonly #collect: Collect | undefined;
  readonly #heapBytes: () => number;
  readonly #idleMs: number;
  readonly #growthBytes: number;
  /** The heap's size after the last collection (or at the start). */
  #baseline = 0;
  /** Connections accepted when the timer was armed. */
  #armedAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Starts watching; nothing happens before the first close.
   *
   * @param connections Connections accepted so far.
   * @param options The collection and the thresholds; see {@linkcode IdleCollectorOptions}.
   */
  constructor(connections: () => number, options: IdleCollectorOptions = {}) {
    this.#connections = connections;
    this.#collect = "collect" in options ? options.collect : exposedCollect();
    this.#heapBytes = options.heapBytes ?? (() => Deno.memoryUsage().heapTotal);
    this.#idleMs = options.idleMs ?? IDLE_COLLECT_MS;
    this.#growthBytes = options.growthBytes ?? COLLECT_GROWTH_BYTES;
    if (this.#collect) this.#baseline = this.#heapBytes();
  }

  /** A connection closed: the heap is collected `idleMs` from now if none came meanwhile. */
  closed(): void {
    if (this.#timer !== undefined || !this.#collect) return;
    this.#arm();
  }

  /** Stops the timer. */
  [Symbol.dispose](): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    this.#armedAt = this.#connections();
    this.#timer = setTimeout(this.#check, this.#idleMs);
  }

  readonly #check = (): void => {
    this.#timer = undefined;
    if (this.#connections() !== this.#armedAt) {
      this.#arm(); // still coming: look again later
      return;
    }
    if (this.#heapBytes() - this.#baseline < this.#growthBytes) return;
    this.#collect!();
    this.#baseline = this.#heapBytes();
  };
}
