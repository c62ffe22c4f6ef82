/**
 * One connection's echo loop (the hot path): records or stream bytes in, the same
 * bytes out, with the connection's buffers and why it closed.
 *
 * @module
 */

import { type Deadline, LIMIT_REASON } from "./deadline.ts";
import { isReset } from "./errors.ts";
import { type Reader, writeAll, type Writer } from "./record.ts";

/** `record`: echo each full record of `recordSize` bytes; `stream`: echo bytes as they arrive. */
export type EchoMode = "record" | "stream";

/** Why a connection closed. */
export type CloseReason = "eof" | "timeout" | "reset" | "error" | "shutdown" | "limit";

/** The abort reason of connections closed by a shutdown. */
export const SHUTDOWN_REASON: DOMException = new DOMException(
  "Server shutting down",
  "AbortError",
);

/** The largest buffer of a connection: a read takes at most this much. */
const MAX_BUFFER_SIZE = 64 * 1024;
/** The first buffer of a stream-mode connection. */
const STREAM_START_SIZE = 4 * 1024;
/**
 * First buffers of closed connections kept for new ones: allocating a buffer costs
 * about 0.7 us, a few per cent of a connection's CPU time under connection churn.
 */
const SPARE_BUFFERS = 256;

/** What one connection did, reported as it closes. */
export interface ConnectionInfo {
  /** The peer. */
  remoteAddr: Deno.NetAddr;
  /** Full records echoed (always 0 in stream mode). */
  records: number;
  /** Bytes echoed, partial records included. */
  bytes: number;
  /** From accept to close, in milliseconds. */
  durationMs: number;
  /** Why it closed. */
  reason: CloseReason;
  /** The failure, when `reason` is `reset` or `error`. */
  error?: Error;
}

/** Records and bytes echoed, counted as they go. */
export interface EchoTotals {
  /** Full records echoed (always 0 in stream mode). */
  records: number;
  /** Bytes echoed, partial records included. */
  bytes: number;
}

/** One accepted connection: its socket, its deadline and what it has echoed. */
export class EchoConnection implements EchoTotals {
  /** The socket, or a TLS session over it (lib/tls_server.ts). */
  readonly conn: Reader & Writer;
  /** Renewed per record; its abort closes the socket. */
  readonly deadline: Deadline;
  /** Waiting for a record (or stream bytes) to begin: safe to close on shutdown. */
  idle = true;
  /** Full records echoed. */
  records = 0;
  /** Bytes echoed. */
  bytes = 0;

  /**
   * Wraps an accepted socket.
   *
   * @param conn The socket, or a TLS session over it.
   * @param deadline Its deadline.
   */
  constructor(conn: Reader & Writer, deadline: Deadline) {
    this.conn = conn;
    this.deadline = deadline;
  }

  /**
   * Writes, renewing the deadline first: a write times out only when it stops progressing.
   *
   * @param p The bytes.
   * @returns How many were written.
   */
  write(p: Uint8Array): Promise<number> {
    this.deadline.renew();
    return this.conn.write(p);
  }
}

/** How every connection of a server echoes. */
export interface EchoSettings {
  /** Record or stream echo. */
  mode: EchoMode;
  /** Bytes in one record. */
  recordSize: number;
  /** A connection that would echo more bytes closes with reason `limit`. */
  maxBytes: number;
  /** Aborts when the server stops: the loop ends before its next read. */
  stopping: AbortSignal;
}

/**
 * The first buffers of connections, kept for reuse when they close (one record
 * each, or 4 KiB in stream mode): only these small ones are kept.
 */
export class BufferPool {
  /** Size of a connection's first buffer. */
  readonly firstSize: number;
  readonly #spare: Uint8Array[] = [];

  /**
   * Makes an empty pool.
   *
   * @param settings The record size and the mode decide the first buffer's size.
   */
  constructor(settings: Pick<EchoSettings, "mode" | "recordSize">) {
    this.firstSize = settings.mode === "stream" ? STREAM_START_SIZE : settings.recordSize;
  }

  /** @returns A first buffer: a spare one, or a new one. */
  take(): Uint8Array {
    return this.#spare.pop() ?? new Uint8Array(this.firstSize);
  }

  /**
   * Keeps a buffer no one uses any more, if it is a first buffer and there is room.
   *
   * @param buffer The buffer.
   */
  give(buffer: Uint8Array): void {
    if (buffer.length === this.firstSize && this.#spare.length < SPARE_BUFFERS) {
      this.#spare.push(buffer);
    }
  }
}

/**
 * Echoes whole records as they come in (bytes as they come in, in stream mode)
 * until end of stream, then the partial record left, if any.
 *
 * One read takes whatever is waiting, so records sent back to back are echoed with
 * one read and one write, not one each. The buffer starts at one record (an idle
 * connection holds little) and doubles, up to 64 KiB, each time a read fills it;
 * first buffers go back to `pool` for later connections.
 *
 * @param connection The connection.
 * @param settings How to echo.
 * @param pool Where the first buffer comes from and goes back to.
 * @param totals The server's totals, counted along with the connection's.
 * @returns Why the loop ended: `eof`, `limit` or `shutdown`.
 * @throws What a read or write threw, or the deadline's reason once it aborted:
 *   see {@linkcode closeReason}.
 */
export async function echoLoop(
  connection: EchoConnection,
  settings: EchoSettings,
  pool: BufferPool,
  totals: EchoTotals,
): Promise<CloseReason> {
  const { conn, deadline } = connection;
  const { signal } = deadline;
  const stream = settings.mode === "stream";
  const unit = stream ? 1 : settings.recordSize;
  const maxBuffer = Math.max(unit, MAX_BUFFER_SIZE - (MAX_BUFFER_SIZE % unit));
  const { maxBytes, stopping } = settings;
  let buffer = pool.take();
  try {
    let tail = 0; // bytes of a record not yet complete, at the start of `buffer`
    deadline.renew();
    while (!stopping.aborted) {
      connection.idle = tail === 0;
      const n = await conn.read(tail === 0 ? buffer : buffer.subarray(tail));
      if (n === null) {
        if (connection.bytes + tail > maxBytes) return "limit";
        if (tail > 0) {
          await writeAll(connection, buffer.subarray(0, tail), signal);
          connection.bytes += tail;
          totals.bytes += tail;
        }
        return "eof";
      }
      connection.idle = false;
      const filled = tail + n;
      const whole = filled - (filled % unit);
      if (whole > 0) {
        if (connection.bytes + whole > maxBytes) return "limit";
        // Nothing more is read until the echo is written: a peer that does not read
        // its echo stops being read, and its bytes wait in the kernel, not here.
        await writeAll(
          connection,
          whole === buffer.length ? buffer : buffer.subarray(0, whole),
          signal,
        );
        connection.bytes += whole;
        totals.bytes += whole;
        if (!stream) {
          connection.records += whole / unit;
          totals.records += whole / unit;
        }
        // A record (or, in stream mode, a read) completed: the next one has its own deadline.
        deadline.renew();
      }
      tail = filled - whole;
      if (tail > 0 && whole > 0) buffer.copyWithin(0, whole, filled);
      if (filled === buffer.length && buffer.length < maxBuffer) {
        const larger = new Uint8Array(Math.min(buffer.length * 2, maxBuffer));
        larger.set(buffer.subarray(0, tail));
        buffer = larger;
      }
    }
    return "shutdown";
  } finally {
    // Every read and write above was awaited: nothing uses the buffer now. It holds
    // the last peer's bytes, but a connection echoes only the bytes it read itself.
    pool.give(buffer);
  }
}

/**
 * Why a connection closed, from what its echo loop threw.
 *
 * @param error What {@linkcode echoLoop} threw.
 * @param signal The connection's deadline signal: its reason tells a shutdown, a
 *   limit and a timeout apart.
 * @returns The reason.
 */
export function closeReason(error: unknown, signal: AbortSignal): CloseReason {
  if (signal.aborted) {
    return signal.reason === SHUTDOWN_REASON
      ? "shutdown"
      : signal.reason === LIMIT_REASON
      ? "limit"
      : "timeout";
  }
  return isReset(error) ? "reset" : "error";
}
