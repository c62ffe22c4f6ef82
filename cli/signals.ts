/**
 * Signal listeners that are removed when their scope ends.
 *
 * @module
 */

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
 * An `AbortSignal` that aborts on Ctrl-C (SIGINT) until disposed of.
 *
 * @returns The signal, and dispose to stop listening.
 */
export function interruptSignal(): Disposable & { signal: AbortSignal } {
  const controller = new AbortController();
  const listening = onSignals(["SIGINT"], () => controller.abort());
  return { signal: controller.signal, [Symbol.dispose]: () => listening[Symbol.dispose]() };
}
