/**
 * Probes: resolve, connect, send a record, read the echo back, verify, time.
 *
 * @module
 */

import { type Deadline, DeadlineTimer } from "./deadline.ts";
import { DEFAULTS } from "./defaults.ts";
import { ProbeError } from "./errors.ts";
import { compare, fillPayload, type PayloadSpec } from "./payload.ts";
import { readFull, writeAll } from "./record.ts";
import { formatDuration } from "./units.ts";

/** Turns a host name into one IP address of the given family (any when undefined). */
export type Resolver = (hostname: string, family: 4 | 6 | undefined) => Promise<string>;

/**
 * The system resolver (`getaddrinfo`: `/etc/hosts`, then DNS, as other programs do).
 *
 * @param hostname The name to resolve.
 * @param family 4 or 6 for one family only.
 * @returns The first address the system gives.
 */
export const systemResolver: Resolver = async (hostname, family) => {
  // Loaded on first use: an IP literal needs no resolver, and node:dns costs start-up time.
  const { lookup } = await import("node:dns/promises");
  return (await lookup(hostname, family ? { family } : {})).address;
};

/** Options of {@linkcode Prober} and {@linkcode probe}. */
export interface ProbeOptions {
  /** A name, a dotted IPv4 address or an IPv6 literal (no brackets). */
  hostname: string;
  /**
   * The server's port.
   * @default {3005}
   */
  port?: number;
  /**
   * Bytes to send and expect back per probe.
   * @default {250}
   */
  size?: number;
  /**
   * Deadline of a connect, and separately of each echo.
   * @default {30000}
   */
  timeoutMs?: number;
  /**
   * Keep one connection for many probes (then a probe measures the echo alone).
   * A reused connection that drops is reconnected once, and counted in `drops`.
   * @default {false}
   */
  reuse?: boolean;
  /** Resolve to this address family only. */
  family?: 4 | 6;
  /**
   * Resolve the name again before every probe, not only before the first.
   * @default {false}
   */
  resolveEach?: boolean;
  /**
   * What to send.
   * @default {{ kind: "random" }}
   */
  payload?: PayloadSpec;
  /**
   * Seed of the `random` payload.
   * @default {1}
   */
  seed?: number;
  /**
   * Turns names into addresses.
   * @default {systemResolver}
   */
  resolver?: Resolver;
  /** Aborts every probe; a probe in progress rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A successful probe. */
export interface ProbeResult {
  /** The sequence number. */
  seq: number;
  /** The host as given. */
  hostname: string;
  /** The IP address the probe connected to. */
  address: string;
  /** With `resolveEach`: the address of the probe before, when it changed. */
  previousAddress?: string;
  /** The server's port. */
  port: number;
  /** The local address of the connection. */
  localAddress: string;
  /** The local port of the connection, to find it in a packet capture. */
  localPort: number;
  /** Bytes sent, and echoed back unchanged. */
  bytes: number;
  /** Whether the probe went over a connection kept from an earlier probe. */
  reused: boolean;
  /** Milliseconds to resolve the name (0 for an IP literal or a kept address). */
  resolveMs: number;
  /** Milliseconds from connect to established (0 on a reused connection). */
  connectMs: number;
  /** Milliseconds from the first byte sent to the first byte echoed. */
  firstByteMs: number;
  /** Milliseconds from the first byte sent to the last byte echoed. */
  echoMs: number;
  /** `connectMs + echoMs`: what the ping-style line shows. */
  timeMs: number;
  /** `resolveMs + connectMs + echoMs`. */
  totalMs: number;
  /** `performance.now()` when the last byte came back. */
  finishedAt: number;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
/** Payloads up to this size are written, then read; larger ones both at once. */
const SEQUENTIAL_MAX_BYTES = 16 * 1024;

/** An open connection and its deadline; the deadline's abort closes it. */
class Connection {
  readonly conn: Deno.TcpConn;
  readonly deadline: Deadline;
  /** Bytes of the current echo read so far, and when the first arrived. */
  bytesBack = 0;
  firstByteAt = 0;
  #open = true;

  /** Bytes of one echo. */
  readonly size: number;

  constructor(conn: Deno.TcpConn, deadline: Deadline, size: number) {
    this.conn = conn;
    this.deadline = deadline;
    this.size = size;
    deadline.signal.addEventListener("abort", this.close, { once: true });
  }

  /**
   * Counts the bytes of the echo as `readFull()` reads them (made once: no closure per
   * read). The time of the first byte is read only when the echo comes in pieces; in
   * one piece it is the time of the last byte, which the probe reads anyway.
   */
  readonly onRead = (filled: number): void => {
    if (this.bytesBack === 0 && filled < this.size) this.firstByteAt = performance.now();
    this.bytesBack = filled;
  };

  /** Closes once; a waiting read or write then fails. */
  readonly close = (): void => {
    if (!this.#open) return;
    this.#open = false;
    this.deadline.signal.removeEventListener("abort", this.close);
    this.deadline[Symbol.dispose]();
    this.conn.close();
  };
}

/**
 * Sends probes to one echo server, each on a new connection or, with `reuse`,
 * all on one. Dispose of it to close a kept connection.
 *
 * @example Three probes over one connection
 * ```ts
 * import { Prober } from "./probe.ts";
 * import { serve } from "./server.ts";
 *
 * await using server = serve({ hostname: "127.0.0.1", port: 0 });
 * await using prober = new Prober({
 *   hostname: "127.0.0.1",
 *   port: server.addr.port,
 *   reuse: true,
 * });
 * for (let seq = 1; seq <= 3; seq++) {
 *   const result = await prober.probe(seq); // result.reused: false, then true
 * }
 * ```
 */
export class Prober implements AsyncDisposable {
  /** Reused connections that dropped and were reconnected. */
  drops = 0;
  readonly #options: ProbeOptions;
  readonly #port: number;
  readonly #size: number;
  readonly #timer: DeadlineTimer;
  readonly #payload: Uint8Array;
  readonly #echo: Uint8Array;
  readonly #payloadWords: Uint32Array;
  readonly #echoWords: Uint32Array;
  #address: string | undefined;
  #connection: Connection | undefined;

  /** @param options Where to probe, how much, how long; see {@linkcode ProbeOptions}. */
  constructor(options: ProbeOptions) {
    this.#options = options;
    this.#port = options.port ?? DEFAULTS.port;
    this.#size = options.size ?? DEFAULTS.recordSize;
    this.#timer = new DeadlineTimer(options.timeoutMs ?? DEFAULTS.timeoutMs);
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
   * @throws {ProbeError} With code `resolve`, `refused`, `timeout`, `reset`, `short`,
   *   `mismatch` or `error`, and the details known.
   * @throws The reason of `options.signal` when it aborts.
   */
  async probe(seq: number): Promise<ProbeResult> {
    this.#options.signal?.throwIfAborted();
    let started = performance.now();
    let address = this.#address;
    let resolveMs = 0;
    let previousAddress: string | undefined;
    if (!address || this.#options.resolveEach) {
      address = await this.#resolve(seq);
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

    fillPayload(this.#payload, this.#options.payload ?? { kind: "random" }, this.#seed, seq);
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
    this.#timer[Symbol.dispose]();
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  get #seed(): number {
    return this.#options.seed ?? 1;
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
    if (!connection) {
      connection = await this.#connect(address, seq);
      connected = performance.now();
    }
    this.#connection = connection;
    const { conn, deadline } = connection;
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
    const problem = failure === undefined && connection.bytesBack === this.#size
      ? undefined
      : this.#echoProblem(connection, seq, failure);
    if (problem) {
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
    const { localAddr } = connection.conn;
    const difference = this.#echoMatches() ? undefined : compare(this.#payload, this.#echo);
    if (!this.#options.reuse || difference) {
      // After a mismatch, what else is in flight on the connection is unknown.
      this.#connection = undefined;
      connection.close();
    }
    if (difference) {
      const { offset, differing, expected, actual } = difference;
      throw new ProbeError(
        "mismatch",
        `Echo mismatch at byte ${offset} (sent ${hex(expected)}, got ${
          hex(actual)
        }; ${differing} of ${this.#size} bytes differ)`,
        { seq, size: this.#size, bytesBack: this.#size, ...difference },
      );
    }
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
      firstByteMs: (connection.firstByteAt || done) - connected,
      echoMs: done - connected,
      timeMs: connectMs + (done - connected),
      totalMs: 0,
      finishedAt: done,
    };
  }

  /** The IP address to connect to: the literal itself, or the resolver's answer. */
  async #resolve(seq: number): Promise<string> {
    const { hostname, family } = this.#options;
    const literal = IPV4.test(hostname) ? 4 : hostname.includes(":") ? 6 : undefined;
    if (literal !== undefined) {
      if (family !== undefined && family !== literal) {
        throw new ProbeError("resolve", `"${hostname}" is not an IPv${family} address`, { seq });
      }
      return hostname;
    }
    try {
      return await (this.#options.resolver ?? systemResolver)(hostname, family);
    } catch (error) {
      this.#options.signal?.throwIfAborted();
      const what = family ? ` to an IPv${family} address` : "";
      throw new ProbeError("resolve", `Cannot resolve "${hostname}"${what}`, { seq }, {
        cause: error,
      });
    }
  }

  async #connect(address: string, seq: number): Promise<Connection> {
    const deadline = this.#timer.start();
    const { signal } = this.#options;
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({
        hostname: address,
        port: this.#port,
        signal: signal ? AbortSignal.any([deadline.signal, signal]) : deadline.signal,
      });
    } catch (error) {
      const timedOut = deadline.signal.aborted;
      deadline[Symbol.dispose]();
      signal?.throwIfAborted();
      throw connectError(error, timedOut, this.#timer.timeoutMs, seq);
    }
    try {
      conn.setNoDelay(true);
    } catch (error) {
      deadline[Symbol.dispose]();
      conn.close();
      throw connectError(error, false, this.#timer.timeoutMs, seq);
    }
    deadline.renew();
    return new Connection(conn, deadline, this.#size);
  }

  /**
   * Writes a payload larger than the socket buffers while reading its echo, so that
   * neither side can block the other.
   *
   * @throws What the read, else the write, failed with.
   */
  async #exchangeLarge(connection: Connection): Promise<void> {
    const { conn, deadline: { signal } } = connection;
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

  /** Whether the echo equals the payload: four bytes at a time, the rest one by one. */
  #echoMatches(): boolean {
    const words = this.#payloadWords.length;
    for (let i = 0; i < words; i++) {
      if (this.#payloadWords[i] !== this.#echoWords[i]) return false;
    }
    for (let i = words * 4; i < this.#size; i++) {
      if (this.#payload[i] !== this.#echo[i]) return false;
    }
    return true;
  }

  /** What went wrong with an echo that failed or came back short. */
  #echoProblem(connection: Connection, seq: number, failure: unknown): ProbeError {
    const { bytesBack, deadline: { signal } } = connection;
    const size = this.#size;
    const back = `${bytesBack}/${size} bytes back`;
    if (signal.aborted) {
      return new ProbeError(
        "timeout",
        `Timeout after ${formatDuration(this.#timer.timeoutMs)} waiting for echo (${back})`,
        { seq, size, bytesBack, phase: "echo" },
      );
    }
    if (failure !== undefined) {
      const reset = isReset(failure);
      return new ProbeError(
        reset ? "reset" : "error",
        reset
          ? `Connection reset (${back})`
          : `Echo failed (${back}): ${(failure as Error).message}`,
        { seq, size, bytesBack },
        { cause: failure },
      );
    }
    return new ProbeError("short", `Connection closed by the server (${back})`, {
      seq,
      size,
      bytesBack,
    });
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
 * import { probe } from "./probe.ts";
 * import { serve } from "./server.ts";
 *
 * await using server = serve({ hostname: "127.0.0.1", port: 0 });
 * const result = await probe({ hostname: "127.0.0.1", port: server.addr.port });
 * // result.bytes === 250, result.timeMs: a fraction of a millisecond
 * ```
 */
export async function probe(options: ProbeOptions, seq = 1): Promise<ProbeResult> {
  await using prober = new Prober({ ...options, reuse: false });
  return await prober.probe(seq);
}

function isReset(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionAborted;
}

function connectError(error: unknown, timedOut: boolean, timeoutMs: number, seq: number) {
  if (timedOut) {
    return new ProbeError(
      "timeout",
      `Timeout after ${formatDuration(timeoutMs)} connecting`,
      { seq, phase: "connect" },
      { cause: error },
    );
  }
  if (error instanceof Deno.errors.ConnectionRefused) {
    return new ProbeError("refused", "Connection refused", { seq }, { cause: error });
  }
  if (isReset(error)) {
    return new ProbeError("reset", "Connection reset while connecting", { seq }, { cause: error });
  }
  return new ProbeError("error", `Cannot connect: ${(error as Error).message}`, { seq }, {
    cause: error,
  });
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}
