/**
 * Signal listeners that are removed when their scope ends, and what interrupts a
 * client run.
 *
 * @module
 */

import { stdoutClosed } from "./output.ts";

/**
 * Calls `handler` on each of `signals` until disposed of (`using`). On Windows only
 * SIGINT (and SIGBREAK) can be listened to: the others are left out there.
 *
 * @param signals The signals.
 * @param handler Called on each delivery.
 * @returns Dispose of it to remove the listeners.
 */
export function onSignals(signals: readonly Deno.Signal[], handler: () => void): Disposable {
  const listened = Deno.build.os === "windows"
    ? signals.filter((signal) => signal === "SIGINT")
    : signals;
  for (const signal of listened) Deno.addSignalListener(signal, handler);
  return {
    [Symbol.dispose]() {
      for (const signal of listened) Deno.removeSignalListener(signal, handler);
    },
  };
}

/**
 * The signals that interrupt a client run: Ctrl-C, `kill` (SIGTERM) and a closed
 * terminal (SIGHUP), each of which prints the summary and exits 130.
 */
export const INTERRUPT_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * An `AbortSignal` that aborts on Ctrl-C, SIGTERM or SIGHUP, or once stdout is gone
 * (`echoprobe client ... | head -1`: nobody reads the lines of the probes left), until
 * disposed of.
 *
 * @returns The signal, and dispose to stop listening.
 */
export function interruptSignal(): Disposable & { signal: AbortSignal } {
  const controller = new AbortController();
  const listening = onSignals(INTERRUPT_SIGNALS, () => controller.abort());
  return {
    signal: AbortSignal.any([controller.signal, stdoutClosed]),
    [Symbol.dispose]: () => listening[Symbol.dispose](),
  };
}
