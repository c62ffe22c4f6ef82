/**
 * Probes: resolve, connect, send a record, read the echo back, verify, time.
 *
 * @module
 */

import { ProbeConnection } from "./connect.ts";
import { loadTls, type Opened, opening } from "./connect_probe.ts";
import { DeadlineTimer } from "./deadline.ts";
import { compare, fillPayload } from "./payload.ts";
import { readFull, writeAll } from "./record.ts";
import {
  type ProbeOptions,
  type ProbeResult,
  type ProberShared,
  type ProbeSettings,
  probeSettings,
} from "./probe_options.ts";
import { resolveAddress } from "./resolve.ts";
import { echoMatches, echoProblem, mismatchError } from "./verdict.ts";

export type { ProbeOptions, ProbeResult, ProberShared, ProbeSettings };
export { probeSettings };

/** Payloads up to this size are written, then read; larger ones both at once. */
const SEQUENTIAL_MAX_BYTES = 16 * 1024;

/**
 * Sends probes to one echo server, each on a new connection or, with `reuse`,
 * all on one. Dispose of it to close a kept connection.
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
 * for (let seq = 1; seq <= 3; seq++) reused.push((await prober.probe(seq)).reused);
 * assert.deepEqual(reused, [false, true, true]);
 * ```
 */
export class Prober implements AsyncDisposable {
  /** Reused connections that dropped and were reconnected. */
  drops = 0;
  readonly #options: ProbeSettings;
  readonly #port: number;
  readonly #size: number;
  readonly #timer: DeadlineTimer;
  /** The timer is this prober's own (disposed of with it), not a shared one. */
  readonly #ownTimer: boolean;
  readonly #payload: Uint8Array;
  readonly #echo: Uint8Array;
  readonly #payloadWords: Uint32Array;
  readonly #echoWords: Uint32Array;
  #address: string | undefined;
  #connection: ProbeConnection | undefined;
  #session: Opened["session"]; // TLS over the kept connection (lib/tls.ts)

  /**
   * Prepares the buffers; nothing connects before the first probe.
   *
   * @param options Where to probe, how much, how long; see {@linkcode ProbeOptions}.
   * @param shared A deadline timer shared with other probers (then its `timeoutMs`
   *   applies, not `options.timeoutMs`).
   */
  constructor(options: ProbeOptions, shared?: ProberShared) {
    this.#options = probeSettings(options);
    this.#port = this.#options.port;
    this.#size = this.#options.size;
    this.#ownTimer = shared === undefined;
    this.#timer = shared?.timer ?? new DeadlineTimer(this.#options.timeoutMs);
    this.#payload = new Uint8Array(this.#size);
    this.#echo = new Uint8Array(this.#size);
    this.#payloadWords = new Uint32Array(this.#payload.buffer, 0, this.#size >> 2);
    this.#echoWords = new Uint32Array(this.#echo.buffer, 0, this.#size >> 2);
    options.signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /**
   * Sends one probe and verifies its echo.
   *
   * Writing and reading run at the same time, so a payload larger than both
   * ends' socket buffers cannot deadlock. On a connection of its own, the probe
   * shuts down its sending side once the payload is written (as `nc -N` does),
   * so a record-mode server echoes a last partial record too.
   *
   * @param seq The sequence number: reported back, and part of the `random` seed.
   * @returns The timings and addresses of the exchange.
   * @throws {ProbeError} With code `resolve`, `refused`, `timeout`, `reset`, `tls`, `short`,
   *   `mismatch` or `error`, and the details known.
   * @throws The reason of `options.signal` when it aborts.
   */
  async probe(seq: number): Promise<ProbeResult> {
    const { signal } = this.#options;
    signal?.throwIfAborted();
    if (this.#options.tls) await loadTls(this.#options.tls); // not timed
    let started = performance.now();
    let address = this.#address;
    let resolveMs = 0;
    let previousAddress: string | undefined;
    if (!address || this.#options.resolveEach) {
      try {
        address = await resolveAddress(
          this.#options.hostname,
          this.#options.family,
          this.#options.resolver,
          seq,
        );
      } catch (error) {
        signal?.throwIfAborted();
        throw error;
      }
      const resolved = performance.now();
      resolveMs = resolved - started;
      started = resolved;
      if (this.#address !== undefined && address !== this.#address) {
        previousAddress = this.#address;
        this.#connection?.close();
        this.#connection = undefined;
      }
      this.#address = address;
    }

    fillPayload(this.#payload, this.#options.payload, this.#options.seed, seq);
    const result = await this.#attempt(seq, address, this.#connection !== undefined, started);
    result.resolveMs = resolveMs;
    result.totalMs = resolveMs + result.timeMs;
    if (previousAddress) result.previousAddress = previousAddress;
    return result;
  }

  /** Closes the kept connection, if any. */
  close(): void {
    this.#connection?.close();
    this.#connection = undefined;
    if (this.#ownTimer) this.#timer[Symbol.dispose]();
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
  }

  /** Closes the kept connection, as {@linkcode Prober.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  readonly #onAbort = () => this.#connection?.close();

  async #attempt(
    seq: number,
    address: string,
    retryOnDrop: boolean,
    started: number,
  ): Promise<ProbeResult> {
    let connection = this.#connection;
    const reused = connection !== undefined;
    let connected = started;
    let secured = started; // after the TLS handshake: the echo is timed from here
    if (!connection) {
      connection = new ProbeConnection(this.#timer, this.#size);
      await connection.connect(address, this.#port, this.#options.signal, seq);
      connected = performance.now();
      // TLS and connect-only (lib/connect_probe.ts): the handshake, or the probe's end.
      const opened = await opening(connection, this.#options, { seq, address, started, connected });
      if (opened.result) return opened.result;
      ({ session: this.#session, secured } = opened);
    }
    this.#connection = connection;
    const { deadline } = connection;
    const conn = this.#session?.stream ?? connection.conn;
    const { signal } = deadline;
    connection.bytesBack = 0;
    connection.firstByteAt = 0;
    deadline.renew();
    let failure: unknown;
    try {
      if (this.#size <= SEQUENTIAL_MAX_BYTES) {
        // Written, then read: the payload fits the socket buffers. One write and one
        // read carry most probes; the loops only take over the rest. Kept inline, as
        // each async call on this path costs `--reuse` load a few per cent.
        const written = await conn.write(this.#payload);
        if (written < this.#size) await writeAll(conn, this.#payload.subarray(written), signal);
        if (!this.#options.reuse) await conn.closeWrite();
        const read = await conn.read(this.#echo);
        if (read !== null) {
          connection.onRead(read);
          if (read < this.#size) await readFull(conn, this.#echo, signal, read, connection.onRead);
        }
      } else {
        await this.#exchangeLarge(connection);
      }
    } catch (error) {
      failure = error;
    }
    if (failure !== undefined || connection.bytesBack !== this.#size) {
      const problem = echoProblem(
        {
          bytesBack: connection.bytesBack,
          size: this.#size,
          signal,
          timeoutMs: this.#timer.timeoutMs,
        },
        seq,
        failure,
      );
      this.#connection = undefined;
      connection.close();
      this.#options.signal?.throwIfAborted();
      const dropped = problem.code === "reset" || problem.code === "short";
      if (reused && retryOnDrop && dropped) {
        this.drops++;
        return this.#attempt(seq, address, false, performance.now());
      }
      throw problem;
    }
    const done = performance.now();
    const { localAddr } = conn;
    const difference = echoMatches(this.#payload, this.#echo, this.#payloadWords, this.#echoWords)
      ? undefined
      : compare(this.#payload, this.#echo);
    if (!this.#options.reuse || difference) {
      // After a mismatch, what else is in flight on the connection is unknown.
      this.#connection = undefined;
      connection.close();
    }
    if (difference) throw mismatchError(difference, this.#size, seq);
    const connectMs = connected - started;
    return {
      seq,
      hostname: this.#options.hostname,
      address,
      port: this.#port,
      localAddress: localAddr.hostname,
      localPort: localAddr.port,
      bytes: this.#size,
      reused,
      resolveMs: 0,
      connectMs,
      firstByteMs: (connection.firstByteAt || done) - secured,
      echoMs: done - secured,
      timeMs: done - started,
      totalMs: 0,
      finishedAt: done,
      ...(this.#session ? { tlsMs: secured - connected, tls: this.#session.info } : {}),
    };
  }

  /**
   * Writes a payload larger than the socket buffers while reading its echo, so that
   * neither side can block the other.
   *
   * @throws What the read, else the write, failed with.
   */
  async #exchangeLarge(connection: ProbeConnection): Promise<void> {
    const { deadline: { signal } } = connection;
    const conn = this.#session?.stream ?? connection.conn;
    const writing = this.#options.reuse
      ? writeAll(conn, this.#payload, signal)
      : writeAll(conn, this.#payload, signal).then(() => conn.closeWrite());
    const [written, read] = await Promise.allSettled([
      writing,
      readFull(conn, this.#echo, signal, 0, connection.onRead),
    ]);
    if (read.status === "rejected") throw read.reason;
    if (written.status === "rejected") throw written.reason;
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
