/**
 * A pause that an `AbortSignal` cuts short, leaving no timer behind.
 *
 * @module
 */

/**
 * Waits `ms` milliseconds, or less if `signal` aborts first. A wait of 0 or less (a time
 * already past) is none: no timer is set (a timer cannot wait less than nothing, and the
 * runtime warns of a negative one).
 *
 * @param ms How long to wait.
 * @param signal Ends the wait early; its timer is cleared then.
 * @returns `true` after the full wait, `false` when the signal ended it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { delay } from "./delay.ts";
 *
 * assert.equal(await delay(1), true);
 * assert.equal(await delay(-5), true); // already past: at once, no timer
 * const controller = new AbortController();
 * const waited = delay(60_000, controller.signal);
 * controller.abort();
 * assert.equal(await waited, false); // at once
 * ```
 */
export function delay(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (!(ms > 0)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
