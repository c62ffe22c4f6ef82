/**
 * One probe: resolve, connect, send a record, read the echo back, verify, time.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { DEFAULTS } from "./defaults.ts";
import { ProbeError } from "./errors.ts";
import { compare, fillPattern } from "./payload.ts";
import { readFull, writeAll } from "./record.ts";
import { formatDuration } from "./units.ts";

/** Options of {@linkcode probe}. */
export interface ProbeOptions {
  /** A name, a dotted IPv4 address or an IPv6 literal (no brackets). */
  hostname: string;
  /**
   * The server's port.
   * @default {3005}
   */
  port?: number;
  /**
   * Bytes to send and expect back.
   * @default {250}
   */
  size?: number;
  /**
   * Deadline of the connect, and separately of the echo.
   * @default {30000}
   */
  timeoutMs?: number;
  /**
   * Sequence number: reported back, and the seed of the payload.
   * @default {1}
   */
  seq?: number;
  /** Aborts the probe; it then rejects with the signal's reason. */
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
  /** The server's port. */
  port: number;
  /** The local address of the connection. */
  localAddress: string;
  /** The local port of the connection, to find it in a packet capture. */
  localPort: number;
  /** Bytes sent, and echoed back unchanged. */
  bytes: number;
  /** Milliseconds to resolve the name (0 for an IP literal). */
  resolveMs: number;
  /** Milliseconds from connect to established. */
  connectMs: number;
  /** Milliseconds from established to the last echoed byte. */
  echoMs: number;
  /** `connectMs + echoMs`: what the ping-style line shows. */
  timeMs: number;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Probes an echo server once, on a new connection.
 *
 * Writing and reading run at the same time, so a payload larger than both
 * ends' socket buffers cannot deadlock. Once the payload is written, the probe
 * shuts down its sending side (as `nc -N` does) and reads the echo to the end.
 *
 * @param options Where to probe, how much, how long; see {@linkcode ProbeOptions}.
 * @returns The timings and addresses of the exchange.
 * @throws {ProbeError} With code `resolve`, `refused`, `timeout`, `reset`, `short`,
 *   `mismatch` or `error`, and the details known.
 * @throws The reason of `options.signal` when it aborts.
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
export async function probe(options: ProbeOptions): Promise<ProbeResult> {
  const port = options.port ?? DEFAULTS.port;
  const size = options.size ?? DEFAULTS.recordSize;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const seq = options.seq ?? 1;
  const { hostname, signal } = options;

  const resolveStart = performance.now();
  const address = await resolve(hostname, seq);
  const connectStart = performance.now();
  const conn = await connect(address, port, timeoutMs, seq, signal);
  const connected = performance.now();
  let open = true;
  const close = () => {
    if (open) conn.close();
    open = false;
  };
  try {
    conn.setNoDelay(true);
    const payload = fillPattern(new Uint8Array(size), seq);
    const echo = new Uint8Array(size);
    await exchange(conn, close, payload, echo, timeoutMs, seq, signal);
    const done = performance.now();
    const difference = compare(payload, echo);
    if (difference) {
      const { offset, differing } = difference;
      throw new ProbeError(
        "mismatch",
        `Echo mismatch at byte ${offset} (sent ${hex(difference.expected)}, got ${
          hex(difference.actual)
        }; ${differing} of ${size} bytes differ)`,
        { seq, size, bytesBack: size, ...difference },
      );
    }
    return {
      seq,
      hostname,
      address,
      port,
      localAddress: conn.localAddr.hostname,
      localPort: conn.localAddr.port,
      bytes: size,
      resolveMs: connectStart - resolveStart,
      connectMs: connected - connectStart,
      echoMs: done - connected,
      timeMs: done - connectStart,
    };
  } finally {
    close();
  }
}

/** The IP address to connect to: the literal itself, or the system resolver's first answer. */
async function resolve(hostname: string, seq: number): Promise<string> {
  if (IPV4.test(hostname) || hostname.includes(":")) return hostname;
  try {
    return (await lookup(hostname)).address;
  } catch (error) {
    throw new ProbeError("resolve", `Cannot resolve "${hostname}"`, { seq }, { cause: error });
  }
}

async function connect(
  address: string,
  port: number,
  timeoutMs: number,
  seq: number,
  signal: AbortSignal | undefined,
): Promise<Deno.TcpConn> {
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    return await Deno.connect({
      hostname: address,
      port,
      signal: signal ? AbortSignal.any([deadline, signal]) : deadline,
    });
  } catch (error) {
    signal?.throwIfAborted();
    if (deadline.aborted) {
      throw new ProbeError(
        "timeout",
        `Timeout after ${formatDuration(timeoutMs)} connecting`,
        { seq, phase: "connect" },
        { cause: error },
      );
    }
    if (error instanceof Deno.errors.ConnectionRefused) {
      throw new ProbeError("refused", "Connection refused", { seq }, { cause: error });
    }
    throw new ProbeError(
      "error",
      `Cannot connect: ${(error as Error).message}`,
      { seq },
      { cause: error },
    );
  }
}

/** Sends `payload` while reading `echo` in full, both under one deadline. */
async function exchange(
  conn: Deno.TcpConn,
  close: () => void,
  payload: Uint8Array,
  echo: Uint8Array,
  timeoutMs: number,
  seq: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const aborted = signal ? AbortSignal.any([deadline, signal]) : deadline;
  // A closed connection is what makes a waiting read or write give up.
  aborted.addEventListener("abort", close, { once: true });
  let bytesBack = 0;
  const counting = {
    async read(p: Uint8Array): Promise<number | null> {
      const n = await conn.read(p);
      bytesBack += n ?? 0;
      return n;
    },
  };
  const [written, read] = await Promise.allSettled([
    // The half-close tells a record-mode server that a partial last record is all
    // there is, so a payload that is not a whole number of records still comes back.
    writeAll(conn, payload, aborted).then(() => conn.closeWrite()),
    readFull(counting, echo, aborted),
  ]);
  aborted.removeEventListener("abort", close);
  signal?.throwIfAborted();

  const size = payload.length;
  const back = `${bytesBack}/${size} bytes back`;
  if (deadline.aborted) {
    throw new ProbeError(
      "timeout",
      `Timeout after ${formatDuration(timeoutMs)} waiting for echo (${back})`,
      { seq, size, bytesBack, phase: "echo" },
    );
  }
  const failure = read.status === "rejected"
    ? read.reason
    : written.status === "rejected"
    ? written.reason
    : undefined;
  if (failure !== undefined) {
    const reset = failure instanceof Deno.errors.ConnectionReset ||
      failure instanceof Deno.errors.BrokenPipe ||
      failure instanceof Deno.errors.ConnectionAborted;
    throw new ProbeError(
      reset ? "reset" : "error",
      reset ? `Connection reset (${back})` : `Echo failed (${back}): ${(failure as Error).message}`,
      { seq, size, bytesBack },
      { cause: failure },
    );
  }
  if (bytesBack < size) {
    throw new ProbeError("short", `Connection closed by the server (${back})`, {
      seq,
      size,
      bytesBack,
    });
  }
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}
