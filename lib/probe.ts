/**
 * Probes: resolve, connect, send a record, read the echo back, verify, time.
 *
 * @module
 */

import { ProbeConnection } from "./connect.ts";
import { loadTls, openConnection, type Opened, openedResult } from "./connect_probe.ts";
import { DeadlineTimer } from "./deadline.ts";
import { echoProblem } from "./echo_problem.ts";
import type { ProbeError, ProbeErrorDetails } from "./errors.ts";
import { afterEcho, echoSlack, exchange } from "./exchange.ts";
import { interleaveFamilies } from "./happy_eyeballs.ts";
import { fillPayload } from "./payload.ts";
import {
  type ProbeOptions,
  type ProbeResult,
  type ProberShared,
  type ProbeSettings,
  probeSettings,
} from "./probe_options.ts";
import { literalFamily, resolveAddresses } from "./resolve.ts";
import { EchoBuffers, extraError, mismatchError } from "./verdict.ts";

export type { ProbeOptions, ProbeResult, ProberShared, ProbeSettings };
export { probeSettings };

/** A settled verdict that stands, made once. */
const NOTHING = Promise.resolve(undefined);

/**
 * Sends probes to one echo server, each on a new connection or, with `reuse`,
 * all on one. Dispose of it to close a kept connection.
 *
 * A verdict covers every byte that comes back, the echo and any more: on a new
 * connection up to the server's close, on a kept one up to the next probe's send
 * ({@linkcode Prober.settle}). The timings end at the echo's last byte all the same.
 *
 * @example Three probes over one connection
 * ```ts
 * import assert from "node:assert/strict";
 * import { Prober } from "./probe.ts";
 * import { serve } from "./server.ts";
 *
 * await using server = serve({ hostname: "127.0.0.1", port: 0 });
 * await using prober = new Prober({
 *   hostname: "127.0.0.1",
 *   port: server.addr.port,
 *   reuse: true,
 * });
 * const reused = [];
 * for (let seq = 1; seq <= 3; seq++) {
 *   reused.push((await prober.probe(seq)).reused);
 *   assert.equal(await prober.settle(seq === 3), undefined); // nothing after the echo
 * }
 * assert.deepEqual(reused, [false, true, true]);
 * ```
 */
export class Prober implements AsyncDisposable {
  /** Reused connections that dropped and were reconnected. */
  drops = 0;
  /**
   * Where the probe in flight was when `options.signal` stopped it, once it was connecting
   * (`phase` `connect`, `tls` or `echo`, and its bytes back): lib/echo_problem.ts's
   * `deadlineProblem()` makes it the probe's error when the stop is a series' deadline.
   */
  cutShort: ProbeErrorDetails | undefined;
  readonly #options: ProbeSettings;
  readonly #timer: DeadlineTimer;
  /** The timer is this prober's own (disposed of with it), not a shared one. */
  readonly #ownTimer: boolean;
  readonly #buffers: EchoBuffers;
  #addresses: string[] | undefined;
  #lastAddress: string | undefined;
  #connection: ProbeConnection | undefined;
  /** The last probe on the kept connection, until {@linkcode Prober.settle} (0: none). */
  #unsettledSeq = 0;

  /**
   * Prepares the buffers; nothing connects before the first probe.
   *
   * @param options Where to probe, how much, how long; see {@linkcode ProbeOptions}.
   * @param shared A deadline timer shared with other probers (then its `timeoutMs`
   *   applies, not `options.timeoutMs`).
   */
  constructor(options: ProbeOptions, shared?: ProberShared) {
    this.#options = probeSettings(options);
    this.#ownTimer = shared === undefined;
    this.#timer = shared?.timer ?? new DeadlineTimer(this.#options.timeoutMs);
    const { size } = this.#options;
    this.#buffers = new EchoBuffers(size, echoSlack(size));
    options.signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /**
   * Sends one probe and verifies its echo.
   *
   * The payload is made before any clock starts: the phases time the network only.
   * Writing and reading run at the same time, so a payload larger than both ends'
   * socket buffers cannot deadlock. On a connection of its own, the probe shuts down
   * its sending side once the payload is written (as `nc -N` does), so a record-mode
   * server echoes a last partial record too, then closes. With `tls` the handshake runs
   * over the connection that won, timed apart (`tlsMs`); with `connectOnly` the probe ends
   * there (lib/connect_probe.ts).
   *
   * On a kept connection the result is the verdict so far ({@linkcode Prober.settle}
   * makes it final). A probe before that was not settled is settled first: its `extra`
   * error (with its `seq`) is thrown instead of sending.
   *
   * @param seq The sequence number: reported back, and part of the `random` seed.
   * @returns The timings and addresses of the exchange.
   * @throws {ProbeError} With code `resolve`, `refused`, `timeout`, `reset`, `tls`, `short`,
   *   `mismatch`, `extra` or `error`, and the details known.
   * @throws The reason of `options.signal` when it aborts.
   */
  async probe(seq: number): Promise<ProbeResult> {
    this.#options.signal?.throwIfAborted();
    const late = this.#unsettledSeq !== 0 && await this.settle();
    if (late) throw late;
    if (this.#options.tls) await loadTls(this.#options.tls); // not timed
    let resolveMs = 0;
    if (!this.#addresses || this.#options.resolveEach) {
      const { hostname } = this.#options;
      const started = performance.now();
      // A name resolves within the probes' timeout; an IP literal needs no deadline.
      using deadline = literalFamily(hostname) ? undefined : this.#timer.start();
      const addresses = await resolveAddresses(hostname, {
        ...this.#options, // the family, resolver, port and signal
        seq,
        timeoutMs: this.#timer.timeoutMs,
        deadline: deadline?.signal,
      });
      resolveMs = performance.now() - started;
      const kept = this.#connection;
      if (kept && !addresses.includes(kept.address)) {
        this.#connection = undefined; // the name moved away from the kept connection's address
        await kept.closeAndWait();
      }
      this.#addresses = interleaveFamilies(addresses);
    }
    fillPayload(this.#buffers.payload, this.#options.payload, this.#options.seed, seq);
    const result = await this.#attempt(seq, this.#connection !== undefined);
    result.resolveMs = resolveMs;
    result.totalMs = resolveMs + result.timeMs;
    if (this.#options.resolveEach && this.#lastAddress && result.address !== this.#lastAddress) {
      result.previousAddress = this.#lastAddress;
    }
    this.#lastAddress = result.address;
    return result;
  }

  /** Whether the last probe's verdict waits for {@linkcode Prober.settle} (a kept connection). */
  get unsettled(): boolean {
    return this.#unsettledSeq !== 0;
  }

  /**
   * Makes the verdict of the last probe on a kept connection final: bytes that came
   * after its echo, before now, fail it with code `extra`. Call it right before the next
   * probe is sent, or with `last` at the end: then the probe shuts down its sending side
   * and reads on to the server's close (within the timeout), as a new connection does.
   * A kept connection the server closed after the echo is reconnected by the next probe
   * (counted in `drops`).
   *
   * @param last No probe follows: wait for the server's close, then close the connection.
   * @returns The `extra` error of the last probe, or `undefined` when its verdict stands
   *   (and always when there is nothing to settle: a new connection's verdict is final).
   */
  settle(last = false): Promise<ProbeError | undefined> {
    const seq = this.#unsettledSeq;
    const connection = this.#connection;
    this.#unsettledSeq = 0;
    if (seq === 0 || !connection) return NOTHING;
    // Nothing came and the next probe is about to be sent: it reads on (no await: load
    // mode settles before every probe of a kept connection).
    if (!last && connection.waitingResult === undefined) return NOTHING;
    return this.#settle(seq, connection, last);
  }

  async #settle(seq: number, connection: ProbeConnection, last: boolean) {
    const stopped = this.#options.signal?.aborted === true;
    const after = await afterEcho(connection, last && !stopped, this.#buffers.slack);
    this.#connection = undefined;
    const where = connection.where(seq);
    await connection.closeAndWait();
    if (after) return extraError(this.#options.size, after, where);
    if (after === null && !last && !stopped) this.drops++; // the server closed it after the echo
    return undefined;
  }

  /** Closes the kept connection, if any (a read still waiting on it ends soon after). */
  close(): void {
    this.#connection?.close();
    this.#connection = undefined;
    if (this.#ownTimer) this.#timer[Symbol.dispose]();
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
  }

  /** Closes the kept connection, as {@linkcode Prober.close}, and waits for its last read. */
  async [Symbol.asyncDispose](): Promise<void> {
    const connection = this.#connection;
    this.close();
    await connection?.closeAndWait();
  }

  readonly #onAbort = () => this.#connection?.close();

  async #attempt(seq: number, retryOnDrop: boolean): Promise<ProbeResult> {
    let connection = this.#connection;
    const reused = connection !== undefined;
    let opened: Opened = { connectMs: 0, tlsMs: 0 };
    if (!connection) {
      const { size, hostname, port } = this.#options;
      connection = new ProbeConnection(this.#timer, size, hostname, port);
      this.#connection = connection; // from now on an abort of the signal closes it
      try {
        // The connect, TLS, or a connect-only probe's end (lib/connect_probe.ts).
        opened = await openConnection(connection, this.#options, this.#addresses!, seq);
      } catch (error) {
        this.#connection = undefined;
        if (this.#options.signal?.aborted) this.cutShort = connection.openingWhere(seq);
        throw error;
      }
      if (opened.result) {
        this.#connection = undefined; // closed: a connect-only probe keeps nothing
        return opened.result;
      }
    }
    const { size, reuse } = this.#options;
    const { payload, echo } = this.#buffers;
    const exchanged = await exchange(connection, payload, echo, !reuse);
    const { bytesBack, extraBytes, sentAt, doneAt, failure } = exchanged;
    if (failure !== undefined || bytesBack < size) {
      const { timeoutMs } = this.#timer;
      const problem = echoProblem(
        { bytesBack, size, signal: connection.deadline.signal, timeoutMs },
        connection.where(seq),
        failure,
        this.#buffers, // the bytes that came back are compared too
      );
      this.#connection = undefined;
      await connection.closeAndWait();
      if (this.#options.signal?.aborted) this.cutShort = problem.details;
      this.#options.signal?.throwIfAborted();
      const dropped = problem.code === "reset" || problem.code === "short";
      if (reused && retryOnDrop && dropped) {
        this.drops++;
        return this.#attempt(seq, false);
      }
      throw problem;
    }
    const difference = this.#buffers.difference();
    if (!reuse || difference || extraBytes > 0) {
      // After a mismatch or extra bytes, what else is in flight on the connection is unknown.
      this.#connection = undefined;
      const where = connection.where(seq);
      await connection.closeAndWait();
      if (difference) throw mismatchError(difference, size, where);
      if (extraBytes > 0) throw extraError(size, extraBytes, where);
    } else {
      connection.startWaitingRead(echo);
      this.#unsettledSeq = seq;
    }
    // Where it connected and the opening's phases (lib/connect_probe.ts), then the echo's.
    const result = openedResult(connection, this.#options, seq, opened, reused, doneAt);
    result.bytes = size;
    result.firstByteMs = (connection.firstByteAt || doneAt) - sentAt;
    result.echoMs = doneAt - sentAt;
    result.timeMs += result.echoMs;
    return result;
  }
}

/**
 * Probes an echo server once, on a new connection: a {@linkcode Prober} used once.
 *
 * @param options Where to probe, how much, how long; see {@linkcode ProbeOptions}.
 * @param seq The sequence number.
 * @returns The timings and addresses of the exchange.
 * @throws {ProbeError} As {@linkcode Prober.probe}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { probe } from "./probe.ts";
 * import { serve } from "./server.ts";
 *
 * await using server = serve({ hostname: "127.0.0.1", port: 0 });
 * const result = await probe({ hostname: "127.0.0.1", port: server.addr.port });
 * assert.equal(result.bytes, 250);
 * assert.equal(result.address, "127.0.0.1");
 * assert.ok(result.timeMs >= result.connectMs);
 * ```
 */
export async function probe(options: ProbeOptions, seq = 1): Promise<ProbeResult> {
  await using prober = new Prober({ ...options, reuse: false });
  return await prober.probe(seq);
}
