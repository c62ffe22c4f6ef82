/**
 * What `serve()` takes and gives: its options, its events, its totals and
 * the running server.
 *
 * @module
 */

import type { AdmissionOptions, RejectInfo, RejectReason } from "./admission.ts";
import type { CloseReason, ConnectionInfo, EchoMode } from "./echo.ts";
import type { ServerTls } from "./tls_server.ts";

/** Options of `serve()`. */
export interface ServeOptions extends AdmissionOptions {
  /**
   * Address to listen on.
   * @default {"0.0.0.0"}
   */
  hostname?: string;
  /**
   * Port to listen on; 0 picks a free one (read it from `addr`).
   * @default {3005}
   */
  port?: number;
  /**
   * Bytes in one record (record mode).
   * @default {250}
   */
  recordSize?: number;
  /**
   * Deadline of each record read and of each echo write; on expiry the connection
   * closes with reason `timeout`.
   * @default {30000}
   */
  timeoutMs?: number;
  /**
   * Length of the queue of connections not yet accepted.
   * @default {10}
   */
  backlog?: number;
  /**
   * Record or stream echo.
   * @default {"record"}
   */
  mode?: EchoMode;
  /**
   * How long a graceful shutdown lets connections echo what they were sent.
   * @default {5000}
   */
  graceMs?: number;
  /**
   * Bytes all connections together may hold in buffers grown past their first one
   * (a first buffer is one record, at most 16 KiB; 4 KiB in stream mode). A connection
   * that needs more to hold its record stops being read until other connections
   * give bytes back; its timeout runs meanwhile. At least one record.
   * @default {268435456}
   */
  bufferBudget?: number;
  /** Close a connection (reason `limit`) that would echo more than this many bytes. */
  maxBytes?: number;
  /** Close a connection (reason `limit`) open this many milliseconds. */
  maxDurationMs?: number;
  /**
   * Serve over TLS with this certificate (`await serverTls({ cert, key })`); every
   * limit and deadline applies as over TCP, the handshake within the first record's.
   */
  tls?: ServerTls;
  /** Aborting it starts a graceful shutdown, as `EchoServer.shutdown()`. */
  signal?: AbortSignal;
  /** Called once for every connection, as it closes. */
  onClose?: (info: ConnectionInfo) => void;
  /** Called for every connection closed at accept by a limit or `allow`. */
  onReject?: (info: RejectInfo) => void;
  /**
   * Called when accepting a connection failed (such as one reset while it waited in
   * the queue, or no descriptor left); the server goes on accepting.
   */
  onAcceptError?: (error: Error) => void;
}

/** Totals over the server's life. */
export interface ServerSummary {
  /** Connections accepted and served. */
  connections: number;
  /** Connections closed at accept by a limit or `allow`. */
  rejected: number;
  /** Full records echoed. */
  records: number;
  /** Bytes echoed. */
  bytes: number;
}

/** What the server has done so far, and what it holds now. */
export interface ServerStats extends ServerSummary {
  /** Connections open now. */
  active: number;
  /** Open connections with part of a record read and not yet echoed. */
  inFlight: number;
  /** Connections closed at accept, by the rule that closed them (every reason, 0 included). */
  rejectedBy: Record<RejectReason, number>;
  /** Connections closed after they were served, by why they closed (every reason, 0 included). */
  closedBy: Record<CloseReason, number>;
}

/** A running echo server. Dispose of it (`await using`) to close it at once. */
export interface EchoServer extends AsyncDisposable {
  /** The address it listens on, with the real port. */
  readonly addr: Deno.NetAddr;
  /** Connections open now. */
  readonly activeConnections: number;
  /** Connections open now that have read part of a record not yet echoed. */
  readonly inFlightConnections: number;
  /** Totals so far, and what is open now. */
  stats(): ServerStats;
  /** Settles when the server has stopped and every connection is closed. */
  readonly finished: Promise<ServerSummary>;
  /**
   * Stops accepting; each connection echoes every complete record it has received
   * or that is already waiting to be read (and finishes a record in flight), then
   * closes. After `graceMs` the rest are closed; all with reason `shutdown`.
   */
  shutdown(): Promise<ServerSummary>;
  /** Stops accepting and closes every connection now, with reason `shutdown`. */
  close(): Promise<ServerSummary>;
}
