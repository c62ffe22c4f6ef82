/**
 * A probe's connection: connect under a deadline (to the first of the addresses
 * that answers), the stream the probe reads and writes (the TCP connection, or a TLS
 * session over it), the read that waits between the probes of a kept connection,
 * close once, and the errors of a connect that failed.
 *
 * @module
 */

import { formatHostPort } from "./address.ts";
import type { Deadline, DeadlineTimer } from "./deadline.ts";
import { ProbeError, type ProbeErrorDetails } from "./errors.ts";
import { type ConnectAttempt, ConnectFailure, connectFirst } from "./happy_eyeballs.ts";
import type { Reader, Writer } from "./record.ts";
import type { TlsSession } from "./tls.ts";
import { formatDuration } from "./units.ts";

/** A read that failed: what {@linkcode ProbeConnection.takeWaitingRead} gives then. */
export const READ_FAILED = -1;

/**
 * What a probe reads and writes: the TCP connection, or a TLS session over it
 * (lib/tls_stream.ts), whose `closeWrite()` sends close_notify before the half-close.
 */
export interface ProbeStream extends Reader, Writer {
  /** Shuts down the sending side; reading goes on. */
  closeWrite(): Promise<void>;
}

/**
 * One connection of a probe and its deadline: the deadline covers the connect,
 * then each echo (renewed by the prober), and its expiry closes the connection.
 */
export class ProbeConnection {
  /** Renewed per echo; its abort closes the connection. */
  readonly deadline: Deadline;
  /** Bytes of the current echo read so far. */
  bytesBack = 0;
  /** `performance.now()` when the first byte of the current echo arrived (0: not yet known). */
  firstByteAt = 0;
  /** Bytes of one echo. */
  readonly size: number;
  /** The host as given, for errors. */
  readonly host: string;
  /** The server's port. */
  readonly port: number;
  /** The address connected to. */
  address = "";
  /** The connection attempts that made it (one per address tried). */
  attempts: ConnectAttempt[] = [];
  /** {@linkcode ProbeConnection.connect} succeeded: what comes next is TLS, or the echo. */
  connected = false;
  /** What the waiting read failed with, once it returned {@linkcode READ_FAILED}. */
  readError: unknown;
  /** The TLS session over the connection, once its handshake is done (lib/tls.ts). */
  session: TlsSession | undefined;
  readonly #timeoutMs: number;
  #conn: Deno.TcpConn | undefined;
  #open = true;
  #waiting: Promise<number | null> | undefined;
  #waitingDone = false;
  #waitingResult: number | null = null;

  /**
   * Starts the deadline; {@linkcode ProbeConnection.connect} opens the connection.
   *
   * @param timer The timer that watches the deadline.
   * @param size Bytes of one echo.
   * @param host The host as given (a name or an IP literal), for errors.
   * @param port The server's port.
   */
  constructor(timer: DeadlineTimer, size: number, host: string, port: number) {
    this.size = size;
    this.host = host;
    this.port = port;
    this.#timeoutMs = timer.timeoutMs;
    this.deadline = timer.start(this.close);
  }

  /** The connection; only after {@linkcode ProbeConnection.connect} resolved. */
  get conn(): Deno.TcpConn {
    return this.#conn!;
  }

  /** What the probe reads and writes: the TLS session when there is one, else the connection. */
  get stream(): ProbeStream {
    return this.session?.stream ?? this.#conn!;
  }

  /** The local `address:port`, or `undefined` before the connection is made. */
  get local(): string | undefined {
    const addr = this.#conn?.localAddr;
    return addr ? formatHostPort(addr.hostname, addr.port) : undefined;
  }

  /**
   * Where a probe on this connection was, for its error: the address and local address
   * once known, with the host and port.
   *
   * @param seq The probe's sequence number.
   * @returns The details.
   */
  where(seq: number): ProbeErrorDetails {
    const where: ProbeErrorDetails = { seq, host: this.host };
    if (this.address) where.address = this.address;
    where.port = this.port;
    const { local } = this;
    if (local) where.local = local;
    return where;
  }

  /**
   * Where a probe on this connection was as it opened, for a stop that cut it short: phase
   * `connect` until {@linkcode ProbeConnection.connect} succeeded, then `tls` (the handshake).
   *
   * @param seq The probe's sequence number.
   * @returns The details.
   */
  openingWhere(seq: number): ProbeErrorDetails {
    return { ...this.where(seq), phase: this.connected ? "tls" : "connect" };
  }

  /**
   * Connects, with TCP_NODELAY set, to the first of `addresses` that answers (attempts
   * `attemptDelayMs` apart, RFC 8305), before the deadline (or `signal`) ends it.
   *
   * @param addresses IP literals, in the order to try them.
   * @param attemptDelayMs Milliseconds between the starts of two attempts.
   * @param signal Aborts the connect (Ctrl-C, the series' deadline).
   * @param seq The probe's sequence number, for the error.
   * @throws {ProbeError} Codes `timeout`, `refused`, `reset`, `error`, all of phase
   *   `connect`, with every attempt in `details.attempts`.
   * @throws The reason of `signal` when it aborted.
   */
  async connect(
    addresses: readonly string[],
    attemptDelayMs: number,
    signal: AbortSignal | undefined,
    seq: number,
  ): Promise<void> {
    try {
      const connected = await connectFirst(addresses, this.port, {
        attemptDelayMs,
        signal: signal ? AbortSignal.any([this.deadline.signal, signal]) : this.deadline.signal,
      });
      this.#conn = connected.conn;
      this.address = connected.address;
      this.attempts = connected.attempts;
      // The deadline passed, or the signal aborted, as it connected.
      if (!this.#open || signal?.aborted) throw this.deadline.signal.reason;
      this.#conn.setNoDelay(true);
    } catch (error) {
      const timedOut = this.deadline.signal.aborted;
      this.close();
      signal?.throwIfAborted();
      if (!(error instanceof ConnectFailure)) throw error;
      throw connectError(error, timedOut, this.#timeoutMs, this.where(seq));
    }
    this.connected = true;
    this.deadline.renew();
  }

  /**
   * Counts the bytes of the echo as they are read (made once: no closure per read). The
   * time of the first byte is read only when the echo comes in pieces; in one piece it
   * is the time of the last byte, which the probe reads anyway.
   */
  readonly onRead = (filled: number): void => {
    if (this.bytesBack === 0 && filled < this.size) this.firstByteAt = performance.now();
    this.bytesBack = filled;
  };

  /**
   * Starts a read that waits between two probes of a kept connection: bytes it gets
   * before the next probe is sent came after the echo (they cannot be the next echo);
   * if the next probe is sent first, it is the first read of that echo.
   *
   * @param buffer Where the bytes go: the start of the echo buffer.
   */
  startWaitingRead(buffer: Uint8Array): void {
    this.#waitingDone = false;
    this.#waiting = this.stream.read(buffer).then(this.#onWaitingRead, this.#onWaitingError);
  }

  /**
   * What the waiting read got so far: `undefined` while it waits (or when none was
   * started), else its bytes, `null` at end of stream, or {@linkcode READ_FAILED}.
   */
  get waitingResult(): number | null | undefined {
    return this.#waiting && this.#waitingDone ? this.#waitingResult : undefined;
  }

  /**
   * Hands over the waiting read (once): the next echo's first read, or the read that
   * settles the last probe.
   *
   * @returns The read, or `undefined` when none was started.
   */
  takeWaitingRead(): Promise<number | null> | undefined {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    return waiting;
  }

  readonly #onWaitingRead = (read: number | null): number | null => {
    this.#waitingDone = true;
    this.#waitingResult = read;
    return read;
  };

  readonly #onWaitingError = (error: unknown): number => {
    // Kept, not thrown: a waiting read that nobody takes (the prober closed the
    // connection) must not become an unhandled rejection; the taker throws it.
    this.#waitingDone = true;
    this.#waitingResult = READ_FAILED;
    this.readError = error;
    return READ_FAILED;
  };

  /** Closes once (the deadline's abort calls it too); a waiting read or write then fails. */
  readonly close = (): void => {
    if (!this.#open) return;
    this.#open = false;
    this.deadline[Symbol.dispose]();
    this.#conn?.close();
  };

  /**
   * Closes; a read left waiting then ends soon: await what this returns (if anything)
   * so that no operation outlives the connection.
   *
   * @returns The read left waiting, or `undefined` when there is none.
   */
  closeAndWait(): Promise<unknown> | undefined {
    this.close();
    return this.takeWaitingRead();
  }
}

/** The error of a connect that failed: the first attempt's, and every attempt in the details. */
function connectError(
  failure: ConnectFailure,
  timedOut: boolean,
  timeoutMs: number,
  details: ProbeErrorDetails,
): ProbeError {
  const { attempts } = failure;
  const where: ProbeErrorDetails = { ...details, attempts, phase: "connect" };
  const addresses = new Set(attempts.map((attempt) => attempt.address));
  if (addresses.size === 1) where.address = attempts[0]!.address;
  const tried = attempts.length > 1
    ? ` (${attempts.map(({ address, error }) => `${address} ${error}`).join(", ")})`
    : "";
  if (timedOut || failure.aborted) {
    return new ProbeError(
      "timeout",
      `Timeout after ${formatDuration(timeoutMs)} connecting${tried}`,
      where,
      { cause: failure },
    );
  }
  const [first] = attempts;
  const cause = failure.causes[0];
  switch (first?.error) {
    case "refused":
      return new ProbeError("refused", `Connection refused${tried}`, where, { cause });
    case "reset":
      return new ProbeError("reset", `Connection reset while connecting${tried}`, where, {
        cause,
      });
    default:
      return new ProbeError(
        "error",
        `Cannot connect: ${(cause as Error | undefined)?.message}${tried}`,
        where,
        { cause },
      );
  }
}
