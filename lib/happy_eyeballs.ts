/**
 * Connecting to the first of several addresses that answers, in the manner of
 * RFC 8305 ("Happy Eyeballs"): the families interleaved, one attempt started every
 * `attemptDelayMs` (or as soon as the one before fails), the first to connect wins,
 * the others are cancelled and closed.
 *
 * @module
 */

/** How one connection attempt ended. */
export type AttemptOutcome = "refused" | "reset" | "timeout" | "cancelled" | "error";

/** One connection attempt: its address, how long it took and, unless it connected, how it ended. */
export interface ConnectAttempt {
  /** The IP address tried. */
  address: string;
  /** Milliseconds from the start of the attempt to its end. */
  ms: number;
  /**
   * Absent for the attempt that connected; otherwise `refused`, `reset`, `error`,
   * `timeout` (the connect deadline passed first) or `cancelled` (another attempt won).
   */
  error?: AttemptOutcome;
}

/**
 * Orders addresses as RFC 8305 (section 4) asks: the families interleaved, starting
 * with the family of the first address, each family in the order given.
 *
 * @param addresses IP literals in the resolver's order of preference.
 * @returns The same addresses, interleaved.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { interleaveFamilies } from "./happy_eyeballs.ts";
 *
 * assert.deepEqual(
 *   interleaveFamilies(["::1", "fd00::7", "127.0.0.1", "10.0.0.7"]),
 *   ["::1", "127.0.0.1", "fd00::7", "10.0.0.7"],
 * );
 * ```
 */
export function interleaveFamilies(addresses: readonly string[]): string[] {
  const first = addresses[0]?.includes(":");
  const preferred = addresses.filter((address) => address.includes(":") === first);
  const other = addresses.filter((address) => address.includes(":") !== first);
  const ordered: string[] = [];
  for (let i = 0; i < Math.max(preferred.length, other.length); i++) {
    if (i < preferred.length) ordered.push(preferred[i]!);
    if (i < other.length) ordered.push(other[i]!);
  }
  return ordered;
}

/** Options of {@linkcode connectFirst}. */
export interface ConnectFirstOptions {
  /** Milliseconds between the starts of two attempts (RFC 8305's Connection Attempt Delay). */
  attemptDelayMs: number;
  /** Ends every attempt: those still running end as `timeout`. */
  signal?: AbortSignal;
}

/** What {@linkcode connectFirst} gives: the connection, and every attempt made. */
export interface Connected {
  /** The connection of the attempt that won. */
  conn: Deno.TcpConn;
  /** The address it connected to. */
  address: string;
  /** Every attempt, in the order started; the winner has no `error`. */
  attempts: ConnectAttempt[];
}

/** Every attempt of {@linkcode connectFirst} failed, or its signal ended them. */
export class ConnectFailure extends Error {
  /** Every attempt, in the order started, each with its `error`. */
  readonly attempts: ConnectAttempt[];
  /** The signal ended the attempts (rather than each failing by itself). */
  readonly aborted: boolean;
  /** What each attempt threw, by index (`undefined` for `timeout` and `cancelled`). */
  readonly causes: readonly unknown[];

  /**
   * Makes the error of a connect that found no address to answer.
   *
   * @param attempts The attempts, each with its `error`.
   * @param aborted Whether the signal ended them.
   * @param causes What each attempt threw, by index.
   */
  constructor(attempts: ConnectAttempt[], aborted: boolean, causes: readonly unknown[]) {
    super(attempts.map(({ address, error }) => `${address} ${error}`).join(", "));
    this.name = "ConnectFailure";
    this.attempts = attempts;
    this.aborted = aborted;
    this.causes = causes;
  }
}

/**
 * Connects to the first of `addresses` that answers: attempts start in the order given
 * (interleave them first with {@linkcode interleaveFamilies}), the next one when
 * `attemptDelayMs` has passed or the one before failed, and run side by side. The first
 * to connect wins; the others are aborted, and one that connects anyway is closed. It
 * returns once every attempt has ended, so nothing is left behind.
 *
 * @param addresses IP literals, in the order to try them.
 * @param port The port.
 * @param options The delay between attempts and the signal that ends them.
 * @returns The connection, its address, and every attempt.
 * @throws {ConnectFailure} When every attempt failed, or the signal ended them first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectFirst } from "./happy_eyeballs.ts";
 *
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const closed = Deno.listen({ hostname: "127.0.0.2", port: 0 });
 * closed.close(); // 127.0.0.2 refuses
 * const { conn, address, attempts } = await connectFirst(
 *   ["127.0.0.2", "127.0.0.1"],
 *   listener.addr.port,
 *   { attemptDelayMs: 250 },
 * );
 * conn.close();
 * assert.equal(address, "127.0.0.1");
 * assert.deepEqual(attempts.map((attempt) => attempt.error), ["refused", undefined]);
 * ```
 */
export function connectFirst(
  addresses: readonly string[],
  port: number,
  options: ConnectFirstOptions,
): Promise<Connected> {
  const { attemptDelayMs, signal } = options;
  if (addresses.length === 1) return connectOne(addresses[0]!, port, signal);
  const attempts: ConnectAttempt[] = [];
  const controllers: AbortController[] = [];
  const { promise, resolve, reject } = Promise.withResolvers<Connected>();
  let winner: Connected | undefined;
  let running = 0;
  let next = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const causes: unknown[] = [];

  const finish = () => {
    if (running > 0 || (next < addresses.length && !winner && !signal?.aborted)) return;
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    if (winner) resolve(winner);
    else reject(new ConnectFailure(attempts, signal?.aborted === true, causes));
  };
  const onAbort = () => {
    for (const controller of controllers) controller.abort();
    finish();
  };
  const start = () => {
    clearTimeout(timer);
    if (winner || signal?.aborted || next >= addresses.length) return;
    const index = next++;
    const address = addresses[index]!;
    const attempt: ConnectAttempt = { address, ms: 0 };
    attempts.push(attempt);
    const controller = new AbortController();
    controllers.push(controller);
    const started = performance.now();
    running++;
    Deno.connect({ hostname: address, port, signal: controller.signal }).then(
      (conn) => {
        attempt.ms = performance.now() - started;
        running--;
        if (winner || signal?.aborted) {
          conn.close(); // connected as another won, or as the deadline passed
          attempt.error = winner ? "cancelled" : "timeout";
        } else {
          winner = { conn, address, attempts };
          for (const other of controllers) if (other !== controller) other.abort();
        }
        finish();
      },
      (error) => {
        attempt.ms = performance.now() - started;
        running--;
        if (controller.signal.aborted) {
          attempt.error = winner ? "cancelled" : "timeout";
        } else {
          attempt.error = attemptOutcome(error);
          causes[index] = error;
          start(); // RFC 8305: a failed attempt starts the next one at once
        }
        finish();
      },
    );
    if (next < addresses.length) timer = setTimeout(start, attemptDelayMs);
  };

  if (signal?.aborted) {
    reject(new ConnectFailure(attempts, true, causes));
    return promise;
  }
  signal?.addEventListener("abort", onAbort, { once: true });
  start();
  return promise;
}

/** {@linkcode connectFirst} of one address: one attempt, nothing to race or cancel. */
async function connectOne(
  address: string,
  port: number,
  signal: AbortSignal | undefined,
): Promise<Connected> {
  if (signal?.aborted) throw new ConnectFailure([], true, []);
  const started = performance.now();
  try {
    const conn = await Deno.connect({ hostname: address, port, ...(signal ? { signal } : {}) });
    return { conn, address, attempts: [{ address, ms: performance.now() - started }] };
  } catch (error) {
    const aborted = signal?.aborted === true;
    const attempt: ConnectAttempt = {
      address,
      ms: performance.now() - started,
      error: aborted ? "timeout" : attemptOutcome(error),
    };
    throw new ConnectFailure([attempt], aborted, [aborted ? undefined : error]);
  }
}

function attemptOutcome(error: unknown): AttemptOutcome {
  if (error instanceof Deno.errors.ConnectionRefused) return "refused";
  if (
    error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.ConnectionAborted
  ) {
    return "reset";
  }
  return "error";
}
