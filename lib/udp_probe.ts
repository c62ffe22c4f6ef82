/**
 * UDP probes: one datagram per probe, replies matched by sequence number, so late,
 * duplicated and reordered replies are told apart; every byte of a reply verified.
 *
 * @module
 */

import { ProbeError } from "./errors.ts";
import { type ProbeSettings, probeSettings } from "./probe_options.ts";
import { resolveAddress } from "./resolve.ts";
import { checkDatagramSize, fillDatagram, readHeader } from "./udp_datagram.ts";
import { closedOutcome, InFlight, newPending, type Pending } from "./udp_in_flight.ts";
import type {
  UdpEvent,
  UdpNotice,
  UdpOutcome,
  UdpPeer,
  UdpProbeOptions,
  UdpReply,
} from "./udp_probe_options.ts";
import { SEQ, SequenceStates } from "./udp_sequences.ts";
import { ProbeSocket } from "./udp_socket.ts";
import { UdpStats } from "./udp_stats.ts";
import { formatDuration } from "./units.ts";
import { ReplyCheck } from "./udp_verdict.ts";

export type { UdpEvent, UdpNotice, UdpOutcome, UdpPeer, UdpProbeOptions, UdpReply };

/** Send buffers kept for reuse. */
const BUFFERS_KEPT = 64;

/**
 * Sends UDP probes to one echo server from one socket and sorts out the replies. Each
 * probe is decided once: by its first reply (checked byte for byte) or, with none,
 * lost at its timeout. Copies after that are counted as duplicates, replies after the
 * timeout as late. Close it (`await using`) to release the socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UdpProber } from "./udp_probe.ts";
 * import { serveUdp } from "./udp_server.ts";
 *
 * await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
 * await using prober = new UdpProber({ hostname: "127.0.0.1", port: server.addr.port });
 * const outcome = await prober.exchange(1);
 * assert.ok(outcome.ok && outcome.reply.bytes === 250);
 * assert.equal(prober.stats.summary().received, 1);
 * ```
 */
export class UdpProber implements AsyncDisposable {
  /** What the prober has seen so far. */
  readonly stats: UdpStats = new UdpStats();
  readonly #settings: ProbeSettings;
  readonly #onEvent: ((event: UdpEvent) => void) | undefined;
  /** Tells this prober's replies from those to an earlier one on the same port. */
  readonly #run = crypto.getRandomValues(new Uint32Array(1))[0]!;
  readonly #inFlight = new InFlight((pending) => {
    this.#lose(pending, `No reply within ${formatDuration(this.#settings.timeoutMs)} (lost)`);
  });
  readonly #states = new SequenceStates();
  readonly #buffers: Uint8Array[] = [];
  readonly #check: ReplyCheck;
  #socket: ProbeSocket | undefined;
  #broken: ProbeError | undefined;
  #closed = false;

  /**
   * Checks the options; nothing is resolved or bound before the first send.
   *
   * @param options Where to probe, how big a datagram, how long to wait for a reply.
   * @param onEvent Called with each outcome and notice, as it happens.
   * @throws {ValueError} When `size` is not from 20 (the header) to 65,507 bytes.
   */
  constructor(options: UdpProbeOptions, onEvent?: (event: UdpEvent) => void) {
    this.#settings = probeSettings(options);
    const { size, payload, seed } = this.#settings;
    checkDatagramSize(size);
    this.#onEvent = onEvent;
    this.#check = new ReplyCheck(size, payload, seed, this.#run);
  }

  /** Probes sent, not yet decided. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Sends probe `seq` (the first send resolves the name and binds the socket). The
   * probe is decided later, by its reply or its timeout: see `onEvent` and `stats`.
   * A name that does not resolve, or a send the system refuses, decides it at once as
   * failed (`resolve`, `error`).
   *
   * @param seq The sequence number: greater than every one sent before.
   * @param scheduledAt `performance.now()` when it was due (load at a rate): its latency
   *   counts from there.
   * @returns When the datagram is handed to the system.
   * @throws {EchoError} Code `listen` when no UDP socket can be bound.
   */
  async send(seq: number, scheduledAt: number = NaN): Promise<void> {
    await this.#transmit(newPending(seq, scheduledAt));
  }

  /**
   * Sends probe `seq` and waits for it to be decided.
   *
   * @param seq The sequence number: greater than every one sent before.
   * @returns Its outcome; after {@linkcode UdpProber.close}, a failure that is not counted.
   * @throws {EchoError} Code `listen` when no UDP socket can be bound.
   */
  async exchange(seq: number): Promise<UdpOutcome> {
    const pending = newPending(seq, NaN);
    const { promise, resolve } = Promise.withResolvers<UdpOutcome>();
    pending.resolve = resolve;
    await this.#transmit(pending);
    return await promise;
  }

  /**
   * Waits until fewer than `below` probes are in flight (`1`: all decided), as
   * {@linkcode InFlight.waitBelow}.
   *
   * @param below The count to get under.
   * @param signal Ends the wait early.
   * @returns `true` once under it, `false` when the signal or a close ended the wait.
   */
  waitInFlight(below: number, signal?: AbortSignal): Promise<boolean> {
    return this.#inFlight.waitBelow(below, signal);
  }

  /**
   * Decides every probe in flight as lost now, with code `timeout` and `message`: a
   * run that stops counts them, as ping does.
   *
   * @param message Why, for people: `No reply before the run stopped`.
   */
  expireAll(message: string): void {
    for (const pending of this.#inFlight.values()) this.#lose(pending, message);
  }

  /**
   * Closes the socket. Probes in flight are dropped: not counted, and an
   * {@linkcode UdpProber.exchange} waiting for one gets a failure.
   *
   * @returns When the socket's receive loop has ended.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#inFlight[Symbol.dispose]();
    }
    await this.#socket?.close();
  }

  /** Closes the socket, as {@linkcode UdpProber.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #transmit(pending: Pending): Promise<void> {
    const { seq } = pending;
    if (!this.#socket && !this.#closed) {
      try {
        await this.open(seq);
      } catch (error) {
        if (!(error instanceof ProbeError)) throw error; // no socket: the run cannot go on
        this.#fail(pending, error);
        return;
      }
    }
    if (this.#closed) return pending.resolve?.(closedOutcome(pending));
    if (this.#broken) {
      this.#fail(pending, new ProbeError("error", this.#broken.message, { seq }));
      return;
    }
    const { size, payload, seed, timeoutMs } = this.#settings;
    const datagram = this.#buffers.pop() ?? new Uint8Array(size);
    const sentUs = Math.round((performance.timeOrigin + performance.now()) * 1000);
    fillDatagram(datagram, { run: this.#run, seq, sentUs }, payload, seed);
    pending.sentUs = sentUs;
    pending.sentAt = performance.now();
    pending.expiresAt = pending.sentAt + timeoutMs;
    this.#states.sent(seq);
    this.#inFlight.add(pending);
    try {
      await this.#socket!.send(datagram);
    } catch (error) {
      if (this.#closed) return;
      if (this.#inFlight.get(seq) === pending) {
        const message = `Send failed: ${(error as Error).message}`;
        this.#fail(pending, new ProbeError("error", message, { seq }, { cause: error }));
        this.#states.set(seq, SEQ.failed);
      }
    } finally {
      if (this.#buffers.length < BUFFERS_KEPT) this.#buffers.push(datagram);
    }
  }

  /**
   * Resolves the name and binds the socket, as the first send does by itself.
   *
   * @param seq The sequence number the resolve error names.
   * @throws {ProbeError} Code `resolve`; {@linkcode EchoError} code `listen`.
   */
  async open(seq = 1): Promise<void> {
    const { hostname, family, resolver, port } = this.#settings;
    const address = await resolveAddress(hostname, family, resolver, seq);
    if (this.#socket || this.#closed) return;
    this.#socket = new ProbeSocket(address, port, this.#check.buffer, this.#onDatagram, (error) => {
      const message = `Receive failed: ${error.message}`;
      this.#broken = new ProbeError("error", message, { seq: 0 }, { cause: error });
      for (const pending of this.#inFlight.values()) {
        this.#fail(pending, new ProbeError("error", message, { seq: pending.seq }));
      }
    });
  }

  #lose(pending: Pending, message: string): void {
    const { seq } = pending;
    const { size } = this.#settings;
    this.#fail(pending, new ProbeError("timeout", message, { seq, size, bytesBack: 0 }));
    this.#states.set(seq, SEQ.lost);
  }

  readonly #onDatagram = (datagram: Uint8Array, from: Deno.NetAddr, now: number): void => {
    const header = readHeader(datagram);
    if (
      !header || header.run !== this.#run || header.seq < 1 || header.seq > this.#states.highest
    ) {
      this.stats.stray();
      return;
    }
    const { seq } = header;
    const peer = { hostname: from.hostname, port: from.port };
    const pending = this.#inFlight.get(seq);
    if (pending) {
      this.#answer(pending, datagram, peer, now);
      return;
    }
    // Decided already: a copy, checked against what was sent (its send time from its header).
    const state = this.#states.get(seq);
    if (
      state === SEQ.unknown || state === SEQ.sent ||
      !this.#check.matches(datagram, seq, header.sentUs)
    ) {
      this.stats.stray();
      return;
    }
    const rttMs = now - (header.sentUs / 1000 - performance.timeOrigin);
    if (state === SEQ.lost || state === undefined) {
      this.#states.set(seq, SEQ.late);
      this.stats.late();
      this.#onEvent?.({ kind: "late", seq, rttMs, from: peer });
    } else {
      this.stats.duplicate();
      this.#onEvent?.({ kind: "duplicate", seq, rttMs, from: peer });
    }
  };

  #answer(pending: Pending, datagram: Uint8Array, from: UdpPeer, now: number): void {
    const { seq } = pending;
    const { size } = this.#settings;
    if (!this.#check.matches(datagram, seq, pending.sentUs)) {
      this.#fail(pending, this.#check.problem(datagram, seq));
      this.#states.set(seq, SEQ.failed);
      return;
    }
    const rttMs = now - pending.sentAt;
    const latencyMs = Number.isNaN(pending.scheduledAt) ? rttMs : now - pending.scheduledAt;
    const reordered = this.stats.reply(seq, latencyMs, rttMs);
    this.#states.set(seq, SEQ.answered);
    const { localAddr, target } = this.#socket!;
    const reply: UdpReply = {
      seq,
      hostname: this.#settings.hostname,
      address: target.hostname,
      port: target.port,
      from,
      localAddress: localAddr.hostname,
      localPort: localAddr.port,
      bytes: size,
      rttMs,
      latencyMs,
      reordered,
    };
    this.#decide(pending, { kind: "probe", seq, timestamp: pending.timestamp, ok: true, reply });
  }

  #fail(pending: Pending, error: ProbeError): void {
    this.stats.failure(error.code);
    const { seq, timestamp } = pending;
    this.#decide(pending, { kind: "probe", seq, timestamp, ok: false, error });
  }

  #decide(pending: Pending, outcome: UdpOutcome): void {
    this.#inFlight.delete(pending.seq);
    this.#onEvent?.(outcome);
    pending.resolve?.(outcome);
  }
}
