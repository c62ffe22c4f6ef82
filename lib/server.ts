/**
 * The echo server: a listener, an accept loop, one echo loop per connection,
 * a shared deadline timer and a graceful shutdown.
 *
 * @module
 */

import { formatHostPort } from "./address.ts";
import { DEFAULTS } from "./defaults.ts";
import type { Cidr } from "./cidr.ts";
import { type Deadline, DeadlineTimer, defaultResolutionMs, LIMIT_REASON } from "./deadline.ts";
import { delay } from "./delay.ts";
import { EchoError } from "./errors.ts";
import { writeAll } from "./record.ts";

/** `record`: echo each full record of `recordSize` bytes; `stream`: echo bytes as they arrive. */
export type EchoMode = "record" | "stream";

/** Why a connection closed. */
export type CloseReason = "eof" | "timeout" | "reset" | "error" | "shutdown" | "limit";

/** Why a connection was closed as soon as it was accepted. */
export type RejectReason = "max-connections" | "max-per-ip" | "not-allowed";

/** A connection closed at accept. */
export interface RejectInfo {
  /** The peer. */
  remoteAddr: Deno.NetAddr;
  /** Which rule closed it. */
  reason: RejectReason;
}

/** What the server has done so far, and what it holds now. */
export interface ServerStats extends ServerSummary {
  /** Connections open now. */
  active: number;
  /** Open connections with part of a record read and not yet echoed. */
  inFlight: number;
}

/** Options of {@linkcode serve}. */
export interface ServeOptions {
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
   * How long a graceful shutdown lets records in flight finish.
   * @default {5000}
   */
  graceMs?: number;
  /**
   * Connections open at once; more are closed as soon as they are accepted.
   * @default {1024}
   */
  maxConnections?: number;
  /** Connections open at once from one IP address (default: no limit). */
  maxPerIp?: number;
  /** Accept only peers in these ranges (default: everyone). */
  allow?: readonly Cidr[];
  /** Close a connection (reason `limit`) that would echo more than this many bytes. */
  maxBytes?: number;
  /** Close a connection (reason `limit`) open this many milliseconds. */
  maxDurationMs?: number;
  /** Aborting it starts a graceful shutdown, as {@linkcode EchoServer.shutdown}. */
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
   * Stops accepting, closes idle connections, lets records in flight finish for
   * up to `graceMs`, then closes the rest; all with reason `shutdown`.
   */
  shutdown(): Promise<ServerSummary>;
  /** Stops accepting and closes every connection now, with reason `shutdown`. */
  close(): Promise<ServerSummary>;
}

/** The largest buffer of a connection: a read takes at most this much. */
const MAX_BUFFER_SIZE = 64 * 1024;
/** The first buffer of a stream-mode connection. */
const STREAM_START_SIZE = 4 * 1024;
/**
 * First buffers of closed connections kept for new ones: allocating a buffer costs
 * about 0.7 us, a few per cent of a connection's CPU time under connection churn.
 */
const SPARE_BUFFERS = 256;
/** Pause after a failed accept (such as too many open files) before the next one. */
const ACCEPT_RETRY_MS = 100;

/**
 * Starts an echo server.
 *
 * @param options Where to listen and how to echo; see {@linkcode ServeOptions}.
 * @returns The running server.
 * @throws {EchoError} Code `listen` when the address cannot be bound (in use,
 *   permission denied, not an address of this machine); the `cause` is Deno's error.
 *
 * @example Echo one record
 * ```ts
 * import { serve } from "./server.ts";
 * import { readFull } from "./record.ts";
 *
 * await using server = serve({ hostname: "127.0.0.1", port: 0 });
 * using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
 * await conn.write(new Uint8Array(250).fill(42));
 * const echo = new Uint8Array(250);
 * await readFull(conn, echo); // 250 bytes of 42
 * ```
 */
export function serve(options: ServeOptions = {}): EchoServer {
  return new Server(options);
}

/** One connection: its state, and a writer that renews the deadline on every write. */
class Connection {
  readonly conn: Deno.TcpConn;
  readonly deadline: Deadline;
  /** Waiting for a record (or stream bytes) to begin: safe to close on shutdown. */
  idle = true;
  records = 0;
  bytes = 0;

  constructor(conn: Deno.TcpConn, deadline: Deadline) {
    this.conn = conn;
    this.deadline = deadline;
  }

  /** Writes, renewing the deadline first: a write times out only when it stops progressing. */
  write(p: Uint8Array): Promise<number> {
    this.deadline.renew();
    return this.conn.write(p);
  }
}

class Server implements EchoServer {
  readonly addr: Deno.NetAddr;
  readonly finished: Promise<ServerSummary>;
  readonly #listener: Deno.TcpListener;
  readonly #options: ServeOptions;
  readonly #recordSize: number;
  readonly #timer: DeadlineTimer;
  readonly #active = new Set<Connection>();
  readonly #perIp = new Map<string, number>();
  readonly #totals: ServerSummary = { connections: 0, rejected: 0, records: 0, bytes: 0 };
  readonly #maxConnections: number;
  /** Size of a connection's first buffer: one record, or 4 KiB in stream mode. */
  readonly #firstBufferSize: number;
  /** First buffers of connections that closed, none in use: see `SPARE_BUFFERS`. */
  readonly #spareBuffers: Uint8Array[] = [];
  /** Aborts when the server starts stopping: ends the accept loop and its retry pause. */
  readonly #stopping = new AbortController();
  #accepting = true;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #resolveFinished!: (summary: ServerSummary) => void;

  constructor(options: ServeOptions) {
    this.#options = options;
    this.#recordSize = options.recordSize ?? DEFAULTS.recordSize;
    this.#maxConnections = options.maxConnections ?? DEFAULTS.maxConnections;
    this.#firstBufferSize = options.mode === "stream" ? STREAM_START_SIZE : this.#recordSize;
    const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    // The timer checks often enough for the shorter of the two limits it enforces.
    const shortestMs = Math.min(timeoutMs, options.maxDurationMs ?? Infinity);
    this.#timer = new DeadlineTimer(timeoutMs, defaultResolutionMs(shortestMs));
    const hostname = options.hostname ?? DEFAULTS.hostname;
    const port = options.port ?? DEFAULTS.port;
    try {
      // Deno sets SO_REUSEADDR on TCP listeners (Unix), so a restart binds at once.
      this.#listener = Deno.listen({
        hostname,
        port,
        tcpBacklog: options.backlog ?? DEFAULTS.backlog,
      });
    } catch (error) {
      throw new EchoError("listen", listenMessage(hostname, port, error), { cause: error });
    }
    this.addr = this.#listener.addr;
    this.finished = new Promise((resolve) => this.#resolveFinished = resolve);
    options.signal?.addEventListener("abort", this.#onSignal, { once: true });
    if (options.signal?.aborted) this.shutdown();
    this.#acceptLoop();
  }

  get activeConnections(): number {
    return this.#active.size;
  }

  get inFlightConnections(): number {
    let count = 0;
    for (const connection of this.#active) if (!connection.idle) count++;
    return count;
  }

  stats(): ServerStats {
    return { ...this.#totals, active: this.#active.size, inFlight: this.inFlightConnections };
  }

  shutdown(): Promise<ServerSummary> {
    if (this.#stopAccepting()) {
      for (const connection of this.#active) {
        if (connection.idle) connection.deadline.abort(SHUTDOWN);
      }
      if (this.#active.size > 0) {
        this.#graceTimer = setTimeout(
          () => this.close(),
          this.#options.graceMs ?? DEFAULTS.graceMs,
        );
      }
    }
    return this.finished;
  }

  close(): Promise<ServerSummary> {
    this.#stopAccepting();
    for (const connection of this.#active) connection.deadline.abort(SHUTDOWN);
    return this.finished;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  readonly #onSignal = () => this.shutdown();

  /** @returns `true` the first time, when it did stop accepting. */
  #stopAccepting(): boolean {
    if (this.#stopping.signal.aborted) return false;
    this.#stopping.abort();
    this.#listener.close();
    return true;
  }

  async #acceptLoop(): Promise<void> {
    while (!this.#stopping.signal.aborted) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#stopping.signal.aborted) break; // the listener was closed by us
        this.#options.onAcceptError?.(error as Error);
        // A connection reset while it waited in the queue fails its own accept only;
        // other failures (out of descriptors) would fail the next accept too.
        if (!isGoneBeforeAccept(error)) await delay(ACCEPT_RETRY_MS, this.#stopping.signal);
        continue;
      }
      const reason = this.#rejectReason(conn.remoteAddr);
      if (reason) {
        conn.close();
        this.#totals.rejected++;
        this.#options.onReject?.({ remoteAddr: conn.remoteAddr, reason });
        continue;
      }
      this.#totals.connections++;
      this.#handle(conn);
    }
    this.#accepting = false;
    this.#settleIfDone();
  }

  #rejectReason(remoteAddr: Deno.NetAddr): RejectReason | undefined {
    const { allow, maxPerIp } = this.#options;
    if (allow && !allow.some((range) => range.contains(remoteAddr.hostname))) return "not-allowed";
    if (this.#active.size >= this.#maxConnections) return "max-connections";
    if (maxPerIp !== undefined && (this.#perIp.get(ipKey(remoteAddr.hostname)) ?? 0) >= maxPerIp) {
      return "max-per-ip";
    }
    return undefined;
  }

  async #handle(conn: Deno.TcpConn): Promise<void> {
    const startedAt = performance.now();
    // Closing the connection is what makes a waiting read or write give up.
    const deadline = this.#timer.start(() => conn.close());
    const { maxPerIp, maxDurationMs } = this.#options;
    // The per-IP count is kept only when there is a limit to check it against.
    const ip = maxPerIp === undefined ? undefined : ipKey(conn.remoteAddr.hostname);
    const connection = new Connection(conn, deadline);
    if (maxDurationMs !== undefined) deadline.limit(maxDurationMs);
    if (ip !== undefined) this.#perIp.set(ip, (this.#perIp.get(ip) ?? 0) + 1);
    const { signal } = deadline;
    this.#active.add(connection);
    if (this.#stopping.signal.aborted) connection.deadline.abort(SHUTDOWN);

    let reason: CloseReason;
    let failure: Error | undefined;
    try {
      conn.setNoDelay(true);
      reason = await this.#echo(connection, this.#options.mode === "stream");
    } catch (error) {
      reason = closeReason(error, signal);
      if (reason === "reset" || reason === "error") failure = error as Error;
    } finally {
      deadline[Symbol.dispose]();
      if (!signal.aborted) conn.close();
      this.#active.delete(connection);
      if (ip !== undefined) {
        const sameIp = this.#perIp.get(ip)! - 1;
        if (sameIp === 0) this.#perIp.delete(ip);
        else this.#perIp.set(ip, sameIp);
      }
    }

    const info: ConnectionInfo = {
      remoteAddr: conn.remoteAddr,
      records: connection.records,
      bytes: connection.bytes,
      durationMs: performance.now() - startedAt,
      reason,
    };
    if (failure) info.error = failure;
    this.#options.onClose?.(info);
    this.#settleIfDone();
  }

  /**
   * Echoes whole records as they come in (bytes as they come in, in stream mode)
   * until end of stream, then the partial record left, if any.
   *
   * One read takes whatever is waiting, so records sent back to back are echoed with
   * one read and one write, not one each. The buffer starts at one record (an idle
   * connection holds little) and doubles, up to 64 KiB, each time a read fills it;
   * first buffers are reused by later connections.
   */
  async #echo(connection: Connection, stream: boolean): Promise<CloseReason> {
    const { conn, deadline } = connection;
    const { signal } = deadline;
    const unit = stream ? 1 : this.#recordSize;
    const maxBuffer = Math.max(unit, MAX_BUFFER_SIZE - (MAX_BUFFER_SIZE % unit));
    const maxBytes = this.#options.maxBytes ?? Infinity;
    let buffer = this.#spareBuffers.pop() ?? new Uint8Array(this.#firstBufferSize);
    try {
      let tail = 0; // bytes of a record not yet complete, at the start of `buffer`
      deadline.renew();
      while (!this.#stopping.signal.aborted) {
        connection.idle = tail === 0;
        const n = await conn.read(tail === 0 ? buffer : buffer.subarray(tail));
        if (n === null) {
          if (connection.bytes + tail > maxBytes) return "limit";
          if (tail > 0) {
            await writeAll(connection, buffer.subarray(0, tail), signal);
            connection.bytes += tail;
            this.#totals.bytes += tail;
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
          this.#totals.bytes += whole;
          if (!stream) {
            connection.records += whole / unit;
            this.#totals.records += whole / unit;
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
      if (buffer.length === this.#firstBufferSize && this.#spareBuffers.length < SPARE_BUFFERS) {
        this.#spareBuffers.push(buffer);
      }
    }
  }

  #settleIfDone(): void {
    if (this.#accepting || this.#active.size > 0) return;
    clearTimeout(this.#graceTimer);
    this.#timer[Symbol.dispose]();
    this.#options.signal?.removeEventListener("abort", this.#onSignal);
    this.#resolveFinished({ ...this.#totals });
  }
}

/** The abort reason of connections closed by a shutdown. */
const SHUTDOWN = new DOMException("Server shutting down", "AbortError");

/** Whether an accept failed because that one connection was gone (reset in the queue). */
function isGoneBeforeAccept(error: unknown): boolean {
  return error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.ConnectionReset;
}

/** The key of `maxPerIp`: the address, with an IPv4-mapped IPv6 address read as IPv4. */
function ipKey(hostname: string): string {
  return hostname.startsWith("::ffff:") && hostname.includes(".") ? hostname.slice(7) : hostname;
}

function closeReason(error: unknown, signal: AbortSignal): CloseReason {
  if (signal.aborted) {
    return signal.reason === SHUTDOWN
      ? "shutdown"
      : signal.reason === LIMIT_REASON
      ? "limit"
      : "timeout";
  }
  if (
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.BrokenPipe
  ) {
    return "reset";
  }
  return "error";
}

function listenMessage(hostname: string, port: number, error: unknown): string {
  const where = `"${formatHostPort(hostname, port)}"`;
  if (error instanceof Deno.errors.AddrInUse) return `Cannot listen on ${where}: address in use`;
  if (error instanceof Deno.errors.PermissionDenied) {
    return `Cannot listen on ${where}: permission denied`;
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return `Cannot listen on ${where}: not an address of this machine`;
  }
  return `Cannot listen on ${where}: ${(error as Error).message}`;
}
