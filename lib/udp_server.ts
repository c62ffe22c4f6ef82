/**
 * The UDP echo server: each datagram back to its sender, unless a guard refuses it
 * (size, source port, allowed ranges, per-source and global rate).
 *
 * @module
 */

import { DEFAULTS } from "./defaults.ts";
import { delay } from "./delay.ts";
import { listenUdp } from "./listen.ts";
import { UdpGuard, type UdpGuardOptions, type UdpRefusal } from "./udp_guard.ts";
import type { UdpSourceReport } from "./udp_sources.ts";

/** Pause after a failed receive before the next one, so a lasting failure cannot spin. */
const RECEIVE_RETRY_MS = 100;
/** The largest datagram there is, with its IP and UDP headers taken off (IPv6). */
const LARGEST_DATAGRAM = 65_535;

/** Options of {@linkcode serveUdp}: where to listen, and the guards. */
export interface UdpServeOptions extends UdpGuardOptions {
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
  /** Aborting it closes the server (UDP has nothing in flight to let finish). */
  signal?: AbortSignal;
  /** Called when a receive failed; the server goes on after a short pause. */
  onError?: (error: Error) => void;
}

/** Totals of a UDP echo server. */
export interface UdpServerSummary {
  /** Datagrams received. */
  received: number;
  /** Datagrams echoed. */
  answered: number;
  /** Bytes echoed. */
  bytes: number;
  /** Datagrams refused, by reason (every reason, 0 included). */
  refused: Record<UdpRefusal, number>;
  /** Echoes the system would not send. */
  sendErrors: number;
}

/** What a UDP echo server has done so far, and what it tracks now. */
export interface UdpServerStats extends UdpServerSummary {
  /** Source addresses in its table now. */
  sources: number;
}

/** A running UDP echo server. Dispose of it (`await using`) to close it. */
export interface UdpEchoServer extends AsyncDisposable {
  /** The address it listens on, with the real port. */
  readonly addr: Deno.NetAddr;
  /** Totals so far. */
  stats(): UdpServerStats;
  /**
   * The per-source summaries since the last call (the busiest `limit` one by one, the
   * rest added up), and starts a new period: call it each time a log is due.
   */
  takeSources(limit: number): UdpSourceReport;
  /** Settles when the server has closed. */
  readonly finished: Promise<UdpServerSummary>;
  /** Closes the socket; resolves with the totals. */
  close(): Promise<UdpServerSummary>;
}

/**
 * Starts a UDP echo server.
 *
 * @param options Where to listen and the guards; see {@linkcode UdpServeOptions}.
 * @returns The running server.
 * @throws {EchoError} Code `listen` when the address cannot be bound.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveUdp } from "./udp_server.ts";
 *
 * await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
 * const client = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
 * try {
 *   await client.send(new Uint8Array([1, 2, 3]), server.addr);
 *   const [echo] = await client.receive();
 *   assert.deepEqual(echo, new Uint8Array([1, 2, 3]));
 * } finally {
 *   client.close();
 * }
 * assert.equal(server.stats().answered, 1);
 * ```
 */
export function serveUdp(options: UdpServeOptions = {}): UdpEchoServer {
  return new UdpServer(options);
}

class UdpServer implements UdpEchoServer {
  readonly addr: Deno.NetAddr;
  readonly finished: Promise<UdpServerSummary>;
  readonly #socket: Deno.DatagramConn;
  readonly #guard: UdpGuard;
  readonly #options: UdpServeOptions;
  readonly #closing = new AbortController();
  #received = 0;
  #answered = 0;
  #bytes = 0;
  #sendErrors = 0;

  constructor(options: UdpServeOptions) {
    this.#options = options;
    this.#guard = new UdpGuard(options);
    this.#socket = listenUdp(options.hostname ?? DEFAULTS.hostname, options.port ?? DEFAULTS.port);
    this.addr = this.#socket.addr as Deno.NetAddr;
    options.signal?.addEventListener("abort", this.#onSignal, { once: true });
    const maxBytes = options.maxDatagramBytes ?? DEFAULTS.recordSize;
    this.finished = this.#loop(new Uint8Array(Math.min(maxBytes, LARGEST_DATAGRAM) + 1));
    if (options.signal?.aborted) this.close();
  }

  stats(): UdpServerStats {
    return { ...this.#summary(), sources: this.#guard.sources.size };
  }

  takeSources(limit: number): UdpSourceReport {
    return this.#guard.sources.report(limit, performance.now());
  }

  close(): Promise<UdpServerSummary> {
    if (!this.#closing.signal.aborted) {
      this.#closing.abort();
      this.#socket.close();
    }
    return this.finished;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  readonly #onSignal = () => this.close();

  /**
   * Receives into `buffer`, one byte longer than the largest datagram answered, so a
   * longer one shows (the system cuts it to the buffer), and echoes what passes the
   * guards. The echo is awaited before the next receive: the buffer is reused.
   */
  async #loop(buffer: Uint8Array): Promise<UdpServerSummary> {
    const closing = this.#closing.signal;
    while (!closing.aborted) {
      let datagram: Uint8Array;
      let from: Deno.NetAddr;
      try {
        const received = await this.#socket.receive(buffer);
        datagram = received[0];
        from = received[1] as Deno.NetAddr;
      } catch (error) {
        if (closing.aborted) break; // the close we made ends the receive
        // Windows reports an earlier echo's ICMP "port unreachable" on a later receive.
        if (error instanceof Deno.errors.ConnectionReset) continue;
        this.#options.onError?.(error as Error);
        await delay(RECEIVE_RETRY_MS, closing);
        continue;
      }
      this.#received++;
      const admitted = this.#guard.admit(from, datagram.length, performance.now());
      if (typeof admitted === "string") continue;
      try {
        await this.#socket.send(datagram, from);
      } catch (error) {
        if (closing.aborted) break;
        // Counted, per source too, and shown in the logs and the summary: one line per
        // failed datagram would let a flood fill the log.
        if (!(error instanceof Error)) throw error;
        this.#sendErrors++;
        admitted.sendErrors++;
        continue;
      }
      this.#answered++;
      this.#bytes += datagram.length;
      admitted.answered++;
      admitted.bytes += datagram.length;
    }
    this.#options.signal?.removeEventListener("abort", this.#onSignal);
    return this.#summary();
  }

  #summary(): UdpServerSummary {
    return {
      received: this.#received,
      answered: this.#answered,
      bytes: this.#bytes,
      refused: { ...this.#guard.refusals },
      sendErrors: this.#sendErrors,
    };
  }
}
