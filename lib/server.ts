/**
 * The echo server: a listener, an accept loop, one echo loop per connection,
 * a shared deadline timer and a graceful shutdown.
 *
 * @module
 */

import { Admission, type RejectReason } from "./admission.ts";
import { BufferBudget } from "./budget.ts";
import { BufferPool } from "./buffers.ts";
import { DEFAULTS } from "./defaults.ts";
import { DeadlineTimer, defaultResolutionMs } from "./deadline.ts";
import { delay } from "./delay.ts";
import { Drain } from "./drain.ts";
import {
  type CloseReason,
  closeReason,
  type ConnectionInfo,
  EchoConnection,
  echoLoop,
  type EchoSettings,
  SHUTDOWN_REASON,
} from "./echo.ts";
import { isReset } from "./errors.ts";
import { listenTcp } from "./listen.ts";
import { LiveList } from "./live_list.ts";
import type { EchoServer, ServeOptions, ServerStats, ServerSummary } from "./serve_options.ts";
import type { TlsStream } from "./tls_stream.ts";

export type { EchoServer, ServeOptions, ServerStats, ServerSummary };

/** Pause after a failed accept (such as too many open files) before the next one. */
const ACCEPT_RETRY_MS = 100;

/**
 * Starts an echo server.
 *
 * @param options Where to listen and how to echo; see {@linkcode ServeOptions}.
 * @returns The running server.
 * @throws {EchoError} Code `listen` when the address cannot be bound (in use,
 *   permission denied, not an address of this machine); the `cause` is Deno's error.
 * @throws {RangeError} When `bufferBudget` (record mode) is smaller than one record.
 *
 * @example Echo one record
 * ```ts
 * import assert from "node:assert/strict";
 * import { serve } from "./server.ts";
 * import { readFull } from "./record.ts";
 *
 * await using server = serve({ hostname: "127.0.0.1", port: 0 });
 * using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
 * await conn.write(new Uint8Array(250).fill(42));
 * const echo = new Uint8Array(250);
 * assert.equal(await readFull(conn, echo), 250);
 * assert.deepEqual(echo, new Uint8Array(250).fill(42));
 * ```
 */
export function serve(options: ServeOptions = {}): EchoServer {
  return new Server(options);
}

class Server implements EchoServer {
  readonly addr: Deno.NetAddr;
  readonly finished: Promise<ServerSummary>;
  readonly #listener: Deno.TcpListener;
  readonly #options: ServeOptions;
  readonly #settings: EchoSettings;
  readonly #timer: DeadlineTimer;
  readonly #admission: Admission;
  readonly #pool: BufferPool;
  /** Not a `Set`: see lib/live_list.ts (a connection comes and goes per accept). */
  readonly #active = new LiveList<EchoConnection>();
  readonly #totals: ServerSummary = { connections: 0, rejected: 0, records: 0, bytes: 0 };
  /** Counted once per connection, as it is turned away or closes: nothing per record. */
  readonly #rejectedBy: Record<RejectReason, number> = {
    "max-connections": 0,
    "max-per-ip": 0,
    "not-allowed": 0,
  };
  readonly #closedBy: Record<CloseReason, number> = {
    eof: 0,
    timeout: 0,
    reset: 0,
    error: 0,
    shutdown: 0,
    limit: 0,
  };
  /** Aborts when the server starts stopping: ends the accept loop and its retry pause. */
  readonly #stopping = new AbortController();
  #accepting = true;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** TLS sessions, ended with close_notify by the drain. */
  readonly #sessions = new WeakMap<EchoConnection, TlsStream>();
  /** Closes connections with nothing left to echo, once the server is stopping. */
  readonly #drain = new Drain(
    this.#active,
    (connection) => this.#sessions.get(connection)?.finish(),
  );
  #resolveFinished!: (summary: ServerSummary) => void;

  constructor(options: ServeOptions) {
    this.#options = options;
    const mode = options.mode ?? "record";
    const recordSize = options.recordSize ?? DEFAULTS.recordSize;
    const budget = options.bufferBudget ?? DEFAULTS.bufferBudget;
    if (mode === "record" && budget < recordSize) {
      throw new RangeError(
        `The buffer budget (${budget} bytes) must hold one record (${recordSize} bytes)`,
      );
    }
    this.#settings = {
      mode,
      recordSize,
      maxBytes: options.maxBytes ?? Infinity,
      budget: new BufferBudget(budget),
    };
    this.#admission = new Admission(options);
    this.#pool = new BufferPool(this.#settings);
    const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    // The timer checks often enough for the shorter of the two limits it enforces.
    const shortestMs = Math.min(timeoutMs, options.maxDurationMs ?? Infinity);
    this.#timer = new DeadlineTimer(timeoutMs, defaultResolutionMs(shortestMs));
    this.#listener = listenTcp(
      options.hostname ?? DEFAULTS.hostname,
      options.port ?? DEFAULTS.port,
      options.backlog ?? DEFAULTS.backlog,
    );
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
    return {
      ...this.#totals,
      active: this.#active.size,
      inFlight: this.inFlightConnections,
      rejectedBy: { ...this.#rejectedBy },
      closedBy: { ...this.#closedBy },
    };
  }

  shutdown(): Promise<ServerSummary> {
    if (this.#stopAccepting() && this.#active.size > 0) {
      this.#graceTimer = setTimeout(
        () => this.close(),
        this.#options.graceMs ?? DEFAULTS.graceMs,
      );
      this.#drain.start();
    }
    return this.finished;
  }

  close(): Promise<ServerSummary> {
    this.#stopAccepting();
    for (const connection of this.#active) connection.deadline.abort(SHUTDOWN_REASON);
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
        const gone = isReset(error) || error instanceof Deno.errors.NotConnected;
        if (!gone) await delay(ACCEPT_RETRY_MS, this.#stopping.signal);
        continue;
      }
      const reason = this.#admission.admit(conn.remoteAddr.hostname);
      if (reason) {
        conn.close();
        this.#totals.rejected++;
        this.#rejectedBy[reason]++;
        this.#options.onReject?.({ remoteAddr: conn.remoteAddr, reason });
        continue;
      }
      this.#totals.connections++;
      this.#handle(conn);
    }
    this.#accepting = false;
    this.#settleIfDone();
  }

  async #handle(conn: Deno.TcpConn): Promise<void> {
    const startedAt = performance.now();
    // Closing the connection is what makes a waiting read or write give up.
    const deadline = this.#timer.start(() => conn.close());
    const { maxDurationMs } = this.#options;
    // TLS (lib/tls_server.ts): a session over the socket; its handshake is the first read's.
    const session = this.#options.tls?.accept(conn);
    const connection = new EchoConnection(session ?? conn, deadline);
    if (session) this.#sessions.set(connection, session);
    if (maxDurationMs !== undefined) deadline.limit(maxDurationMs);
    // Accepted while the server starts stopping, it is drained like the others.
    const entry = this.#active.add(connection);

    let reason: CloseReason;
    let failure: Error | undefined;
    try {
      conn.setNoDelay(true);
      reason = await echoLoop(connection, this.#settings, this.#pool, this.#totals);
    } catch (error) {
      reason = closeReason(error, deadline);
      if (reason === "reset" || reason === "error") failure = error as Error;
    } finally {
      // TLS: close_notify before the socket closes, still under the deadline; one the
      // drain ended has had its own.
      if (session && !deadline.aborted && !this.#drain.ended(connection)) await session.finish();
      deadline[Symbol.dispose]();
      if (!deadline.aborted) conn.close();
      this.#active.remove(entry);
      this.#admission.leave(conn.remoteAddr.hostname);
    }
    // However its loop ended meanwhile (the peer's end, a write after close_notify), a
    // connection the drain ended was shut down.
    const drained = this.#drain.ended(connection);
    if (drained) {
      reason = "shutdown";
      failure = drained.error;
    }
    this.#closedBy[reason]++;

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

  #settleIfDone(): void {
    if (this.#accepting || this.#active.size > 0) return;
    clearTimeout(this.#graceTimer);
    this.#drain[Symbol.dispose]();
    this.#timer[Symbol.dispose]();
    this.#options.signal?.removeEventListener("abort", this.#onSignal);
    this.#resolveFinished({ ...this.#totals });
  }
}
