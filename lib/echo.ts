/**
 * One connection's echo loop (the hot path): records or stream bytes in, the same
 * bytes out, with the connection's buffers and why it closed.
 *
 * @module
 */

import type { BufferBudget } from "./budget.ts";
import {
  type BufferPool,
  growBuffer,
  MAX_BATCH_SIZE,
  MAX_BUFFER_SIZE,
  shrinkBuffer,
} from "./buffers.ts";
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
  /**
   * The failure, when `reason` is `reset` or `error`; with `shutdown`, a TLS session's
   * close_notify that failed as a stopping server drained it.
   */
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
  /**
   * The socket, or a TLS session over it (lib/tls_server.ts): only read and written
   * here (closing it is its owner's job).
   */
  readonly conn: Reader & Writer;
  /** Renewed per record; its abort closes the socket. */
  readonly deadline: Deadline;
  /** Waiting for a record (or stream bytes) to begin: safe to close on shutdown. */
  idle = true;
  /** Reads completed: a stopping server tells a read that found nothing waiting by it. */
  reads = 0;
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
  /** The bytes all connections may hold in buffers grown past their first one. */
  budget: BufferBudget;
}

/** Full reads of one record in a row before batching starts; doubled after each stop. */
const BATCH_AFTER_FULL_READS = 2;
/** The most full reads in a row that batching waits for. */
const MAX_BATCH_AFTER_FULL_READS = 256;
/** Reads in a row that the first record's room would have held, before batching stops. */
const UNBATCH_AFTER_SMALL_READS = 2;

/**
 * Echoes whole records as they come in (bytes as they come in, in stream mode)
 * until end of stream, then the partial record left, if any. The loop does not
 * stop by itself when the server stops: the server closes the connection (by its
 * deadline) once nothing is left to echo, or when the grace period ends.
 *
 * One read takes whatever is waiting, so records sent back to back are echoed with
 * one read and one write, not one each. The buffer starts small (one record, at
 * most 16 KiB; an idle connection holds little) and doubles each time a read fills
 * it, up to 256 KiB for records of up to 64 KiB, one record for larger ones: it
 * grows with the bytes that arrive, not with the record size. Growth past the first
 * buffer comes out of `settings.budget`. A connection that needs room for its record
 * reserves it whole and waits for it, unread, while its deadline runs; growth that
 * only batches is skipped without room, and past 64 KiB where it would leave less
 * than half the budget. A record's buffer past 64 KiB is given back once it holds no
 * partial record, and any grown buffer while other connections wait for the budget.
 *
 * In record mode, a connection whose records come one at a time (ping-pong) reads
 * one record at a time: batching starts after two reads in a row filled one record,
 * and stops (the grown buffer is kept) after two reads in a row that one record's
 * room would have held; each time it stopped, it waits for twice as many full reads
 * before it starts again (up to 256). A read of exactly the bytes asked for is
 * Deno's fast path: Deno 2.9.6 (tokio) takes a shorter read as the socket drained
 * and waits for the next readiness event before it reads again: under 32-connection
 * ping-pong that cost the server 6.00 µs of CPU time per exchange, against 5.24 µs.
 *
 * @param connection The connection.
 * @param settings How to echo.
 * @param pool Where the first buffer comes from and goes back to.
 * @param totals The server's totals, counted along with the connection's.
 * @returns Why the loop ended: `eof` or `limit`.
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
  const stream = settings.mode === "stream";
  const unit = stream ? 1 : settings.recordSize;
  const large = unit > MAX_BUFFER_SIZE; // a record of its own resizable buffer
  const maxBuffer = large ? unit : MAX_BATCH_SIZE - (MAX_BATCH_SIZE % unit);
  const { maxBytes, budget } = settings;
  let buffer = pool.take();
  // One record's room at the start of `buffer` (all of it until it grows past a record,
  // and in stream mode), a view made once per buffer: echoing one allocates nothing.
  let first = buffer;
  let view = buffer; // what a read fills: `buffer`, or `first` while records come singly
  let fullReads = 0; // reads in a row that filled `first`, while reading into it
  let smallReads = 0; // reads in a row into the grown buffer that `first` would have held
  let batchAfter = BATCH_AFTER_FULL_READS;
  let held = 0; // bytes of the budget this connection holds (0 on its first buffer)
  try {
    let tail = 0; // bytes of a record not yet complete, at the start of `buffer`
    deadline.renew();
    for (;;) {
      connection.idle = tail === 0;
      const n = await conn.read(tail === 0 ? view : view.subarray(tail));
      connection.reads++;
      if (n === null) {
        if (connection.bytes + tail > maxBytes) return "limit";
        if (tail > 0) {
          await writeAll(connection, buffer.subarray(0, tail), deadline.signal);
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
        // Nothing more is read until the echo is written (a peer that does not read its
        // echo stops being read). One write almost always takes it all: no writeAll().
        const echo = whole === view.length
          ? view
          : whole === first.length
          ? first
          : buffer.subarray(0, whole);
        deadline.renew(); // a write times out only when it stops progressing
        const written = await conn.write(echo);
        if (written < whole) {
          await writeAll(connection, echo.subarray(written), deadline.signal);
        }
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
      if (view !== buffer && !(held > 0 && budget.waiting)) {
        // Reading one record at a time: back to the grown buffer after enough full reads.
        if (filled < view.length) fullReads = 0;
        else if (++fullReads >= batchAfter) {
          view = buffer;
          fullReads = 0;
          smallReads = 0;
        }
      } else if (filled === buffer.length && buffer.length < maxBuffer) {
        // Part of a record that does not fit: the buffer grows up to one record, whose room
        // is reserved whole, once, waiting unread (the deadline runs) until there is room.
        const size = Math.min(buffer.length * 2, buffer.length < unit ? unit : maxBuffer);
        if (buffer.length < unit) {
          if (unit > held) {
            await budget.reserve(unit - held, deadline.signal);
            held = unit;
          }
        } else if (buffer === first && !stream && ++fullReads < batchAfter) {
          continue; // one full read is what one record at a time does too
        } else if (size > held) {
          // Only batching would gain: not without room, nor past 64 KiB where that would
          // leave less than half the budget (an idle connection keeps its buffer).
          const after = budget.available - (size - held);
          if (size > MAX_BUFFER_SIZE && after < budget.total / 2) continue;
          if (!budget.tryReserve(size - held)) continue;
          held = size;
        }
        fullReads = 0;
        buffer = growBuffer(buffer, size, tail);
        first = stream || buffer.length <= unit ? buffer : buffer.subarray(0, unit);
        view = buffer;
      } else if (
        tail === 0 && held > 0 && ((large && buffer.length > MAX_BUFFER_SIZE) || budget.waiting)
      ) {
        budget.release(held);
        held = 0;
        buffer = shrinkBuffer(buffer, pool);
        first = view = buffer;
        fullReads = 0;
      } else if (buffer !== first && filled <= first.length) {
        // The grown buffer gained nothing: one record at a time again, for a while.
        if (++smallReads >= UNBATCH_AFTER_SMALL_READS) {
          view = first;
          batchAfter = Math.min(batchAfter * 2, MAX_BATCH_AFTER_FULL_READS);
        }
      } else {
        smallReads = 0;
        fullReads = 0; // a read that did not fill the buffer: "in a row" starts again
      }
    }
  } catch (error) {
    // A read or write that failed because the deadline closed the connection.
    if (deadline.aborted) throw deadline.reason;
    throw error;
  } finally {
    // Every read and write above was awaited: nothing uses the buffer now. It holds
    // the last peer's bytes, but a connection echoes only the bytes it read itself.
    budget.release(held);
    pool.give(buffer);
  }
}

/**
 * Why a connection closed, from what its echo loop threw.
 *
 * @param error What {@linkcode echoLoop} threw.
 * @param signal The connection's deadline, or its signal: its reason tells a shutdown,
 *   a limit and a timeout apart.
 * @returns The reason.
 */
export function closeReason(
  error: unknown,
  signal: { readonly aborted: boolean; readonly reason: unknown },
): CloseReason {
  if (signal.aborted) {
    return signal.reason === SHUTDOWN_REASON
      ? "shutdown"
      : signal.reason === LIMIT_REASON
      ? "limit"
      : "timeout";
  }
  return isReset(error) ? "reset" : "error";
}
