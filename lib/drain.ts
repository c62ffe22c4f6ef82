/**
 * A stopping server's drain: it finds the connections that have echoed all they were
 * sent and closes them, a TLS session with its close_notify first.
 *
 * @module
 */

import { type EchoConnection, SHUTDOWN_REASON } from "./echo.ts";

/**
 * How often a stopping server looks for connections with nothing left to echo. Deno
 * has no FIONREAD to ask the kernel what waits in a socket, so a read tells: bytes
 * already waiting complete a pending read within a turn of the event loop (well
 * under a millisecond; over TLS, once node:tls has decrypted them, a few turns), so
 * a connection with no partial record whose read stayed pending from one check to
 * the next had nothing waiting, and is closed (25 to 50 ms after the stop, for a
 * connection that sends nothing more). Bytes that keep arriving keep it open, up to
 * the grace period.
 */
const DRAIN_CHECK_MS = 25;

/** How the drain ended a connection. */
export interface Drained {
  /** A TLS session's close_notify that failed (the connection was closed anyway). */
  error: Error | undefined;
}

/**
 * Closes the connections of a stopping server as they run out of records to echo:
 * no partial record, and a read pending since the last check. Each is closed with
 * its deadline (reason `shutdown`); a TLS session first sends close_notify, so that
 * its peer sees a clean end after its last echo. The grace period (the server's
 * `close()`) bounds everything the drain waits for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DeadlineTimer } from "./deadline.ts";
 * import { Drain } from "./drain.ts";
 * import { EchoConnection } from "./echo.ts";
 *
 * using timer = new DeadlineTimer(30_000);
 * using deadline = timer.start();
 * const reader = { read: () => new Promise<null>(() => {}), write: async (p: Uint8Array) => p.length };
 * const connection = new EchoConnection(reader, deadline);
 * using drain = new Drain(new Set([connection]), () => undefined);
 * drain.start(); // idle, with a read pending: closed at the next check
 * await new Promise((resolve) => deadline.signal.addEventListener("abort", resolve));
 * assert.deepEqual(drain.ended(connection), { error: undefined });
 * ```
 */
export class Drain implements Disposable {
  readonly #connections: Iterable<EchoConnection>;
  readonly #finish: (connection: EchoConnection) => Promise<void> | undefined;
  /** `reads` of each connection at the last check. */
  readonly #readsAtCheck = new WeakMap<EchoConnection, number>();
  readonly #ended = new WeakMap<EchoConnection, Drained>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /**
   * Makes a drain; nothing happens before {@linkcode Drain.start}.
   *
   * @param connections The server's open connections, as they change.
   * @param finish Ends a connection's session politely (TLS close_notify), or
   *   `undefined` for a plain connection.
   */
  constructor(
    connections: Iterable<EchoConnection>,
    finish: (connection: EchoConnection) => Promise<void> | undefined,
  ) {
    this.#connections = connections;
    this.#finish = finish;
  }

  /** Checks now, then every 25 ms until disposed of. */
  start(): void {
    this.#check();
    this.#timer ??= setInterval(() => this.#check(), DRAIN_CHECK_MS);
  }

  /**
   * Whether the drain ended a connection: if it did, the connection was shut down,
   * however its echo loop ended meanwhile (a peer's end, a write after close_notify).
   *
   * @param connection The connection.
   * @returns How it was ended, or `undefined` when the drain did not end it.
   */
  ended(connection: EchoConnection): Drained | undefined {
    return this.#ended.get(connection);
  }

  /** Stops checking. */
  [Symbol.dispose](): void {
    clearInterval(this.#timer);
  }

  #check(): void {
    for (const connection of this.#connections) {
      if (this.#ended.has(connection)) continue;
      if (connection.idle && this.#readsAtCheck.get(connection) === connection.reads) {
        this.#end(connection);
      } else {
        this.#readsAtCheck.set(connection, connection.reads);
      }
    }
  }

  #end(connection: EchoConnection): void {
    const drained: Drained = { error: undefined };
    this.#ended.set(connection, drained);
    const close = () => connection.deadline.abort(SHUTDOWN_REASON);
    const finishing = this.#finish(connection);
    if (!finishing) return close();
    finishing.then(close, (error: Error) => {
      drained.error = error;
      close();
    });
  }
}
