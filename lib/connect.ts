/**
 * A probe's connection: connect under a deadline, close once, and the errors of
 * a connect that failed.
 *
 * @module
 */

import type { Deadline, DeadlineTimer } from "./deadline.ts";
import { isReset, ProbeError } from "./errors.ts";
import { formatDuration } from "./units.ts";

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
  readonly #timeoutMs: number;
  #conn: Deno.TcpConn | undefined;
  #open = true;

  /**
   * Starts the deadline; {@linkcode ProbeConnection.connect} opens the connection.
   *
   * @param timer The timer that watches the deadline.
   * @param size Bytes of one echo.
   */
  constructor(timer: DeadlineTimer, size: number) {
    this.size = size;
    this.#timeoutMs = timer.timeoutMs;
    this.deadline = timer.start(this.close);
  }

  /** The connection; only after {@linkcode ProbeConnection.connect} resolved. */
  get conn(): Deno.TcpConn {
    return this.#conn!;
  }

  /**
   * Connects, with TCP_NODELAY set, before the deadline (or `signal`) ends it.
   *
   * @param address The IP address.
   * @param port The port.
   * @param signal Aborts the connect (Ctrl-C, the series' deadline).
   * @param seq The probe's sequence number, for the error.
   * @throws {ProbeError} Codes `timeout` (phase `connect`), `refused`, `reset`, `error`.
   * @throws The reason of `signal` when it aborted.
   */
  async connect(
    address: string,
    port: number,
    signal: AbortSignal | undefined,
    seq: number,
  ): Promise<void> {
    try {
      const conn = await Deno.connect({
        hostname: address,
        port,
        signal: signal ? AbortSignal.any([this.deadline.signal, signal]) : this.deadline.signal,
      });
      this.#conn = conn;
      if (!this.#open) throw this.deadline.signal.reason; // the deadline passed as it connected
      conn.setNoDelay(true);
    } catch (error) {
      const timedOut = this.deadline.signal.aborted;
      this.close();
      signal?.throwIfAborted();
      throw connectError(error, timedOut, this.#timeoutMs, seq);
    }
    this.deadline.renew();
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

  /** Closes once (the deadline's abort calls it too); a waiting read or write then fails. */
  readonly close = (): void => {
    if (!this.#open) return;
    this.#open = false;
    this.deadline[Symbol.dispose]();
    this.#conn?.close();
  };
}

/** The error of a connect that failed. */
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
