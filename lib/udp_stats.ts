/**
 * Statistics of UDP probes: loss, duplicates, reordering, late replies, round-trip
 * times and RFC 3550 interarrival jitter.
 *
 * @module
 */

import type { ErrorCode } from "./errors.ts";
import { ProbeStats } from "./stats.ts";

/**
 * Interarrival jitter as RFC 3550 (section 6.4.1) defines it: for each packet in the
 * order of arrival, `D` is the difference of its transit time and the one before's,
 * and `J += (|D| - J) / 16`. Here the transit time is the round trip of a probe.
 *
 * @example RFC 3550's smoothing, by hand
 * ```ts
 * import assert from "node:assert/strict";
 * import { InterarrivalJitter } from "./udp_stats.ts";
 *
 * const jitter = new InterarrivalJitter();
 * jitter.add(10); // the first packet only sets the reference
 * assert.ok(Number.isNaN(jitter.ms));
 * jitter.add(26); // |D| = 16: J = 0 + (16 - 0) / 16
 * assert.equal(jitter.ms, 1);
 * jitter.add(10); // |D| = 16: J = 1 + (16 - 1) / 16
 * assert.equal(jitter.ms, 1.9375);
 * ```
 */
export class InterarrivalJitter {
  #jitter = 0;
  #previous = NaN;
  #count = 0;

  /** The jitter in milliseconds; `NaN` before two transit times. */
  get ms(): number {
    return this.#count < 2 ? NaN : this.#jitter;
  }

  /**
   * Takes the transit time of the next packet to arrive.
   *
   * @param transitMs Its transit time, in milliseconds.
   */
  add(transitMs: number): void {
    if (this.#count > 0) this.#jitter += (Math.abs(transitMs - this.#previous) - this.#jitter) / 16;
    this.#previous = transitMs;
    this.#count++;
  }
}

/** The statistics of UDP probes, as {@linkcode UdpStats.summary} gives them. */
export interface UdpSummary {
  /** Probes sent and decided: answered, lost or failed. */
  transmitted: number;
  /** Probes whose first reply came back within the timeout, every byte as sent. */
  received: number;
  /** Probes with no reply within the timeout (error code `timeout`). */
  lost: number;
  /** `100 * (transmitted - received) / transmitted`; 0 when nothing was sent. */
  lossPct: number;
  /** Replies to a probe that had had its reply already. */
  duplicates: number;
  /**
   * First replies that came after the reply of a later probe (RFC 4737: a sequence
   * number below the next one expected).
   */
  reordered: number;
  /** Replies to a probe already counted lost: they came after its timeout. */
  late: number;
  /**
   * Datagrams that were no reply to a probe of this run: another program's, another
   * run's, or a copy that came back changed after its probe had been decided.
   */
  stray: number;
  /** Fastest round trip, in milliseconds (`NaN` when none came back). */
  minMs: number;
  /** Mean round trip. */
  avgMs: number;
  /** Slowest round trip. */
  maxMs: number;
  /** Standard deviation of the round trips, as ping's mdev. */
  mdevMs: number;
  /** Median round trip, within 1%. */
  p50Ms: number;
  /** 90th percentile, within 1%. */
  p90Ms: number;
  /** 99th percentile, within 1%. */
  p99Ms: number;
  /** RFC 3550 interarrival jitter of the round trips, in arrival order (`NaN` with fewer than 2). */
  jitterMs: number;
  /** Failed probes by error code: `timeout` (lost), `mismatch`, `short`, `resolve`, `error`. */
  errors: Partial<Record<ErrorCode, number>>;
}

/**
 * Accumulates what a UDP prober sees, in constant memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UdpStats } from "./udp_stats.ts";
 *
 * const stats = new UdpStats();
 * assert.equal(stats.reply(2, 1, 1), false);
 * assert.equal(stats.reply(1, 3, 3), true); // seq 1 after seq 2: reordered
 * stats.failure("timeout");
 * stats.duplicate();
 * const summary = stats.summary();
 * assert.deepEqual(
 *   [summary.transmitted, summary.received, summary.lost, summary.reordered, summary.duplicates],
 *   [3, 2, 1, 1, 1],
 * );
 * assert.equal(summary.jitterMs, 0.125); // |3 - 1| / 16
 * ```
 */
export class UdpStats {
  readonly #times = new ProbeStats();
  readonly #jitter = new InterarrivalJitter();
  #highestSeq = 0;
  #duplicates = 0;
  #reordered = 0;
  #late = 0;
  #stray = 0;

  /**
   * Counts the first reply of a probe, good and in time.
   *
   * @param seq The probe's sequence number.
   * @param latencyMs Its time for the percentiles: the round trip, or in scheduled load,
   *   from the scheduled send.
   * @param transitMs Its round trip from the real send, for the jitter.
   * @returns Whether it came after the reply of a later probe (reordered).
   */
  reply(seq: number, latencyMs: number, transitMs: number): boolean {
    this.#times.success(latencyMs);
    this.#jitter.add(transitMs);
    if (seq < this.#highestSeq) {
      this.#reordered++;
      return true;
    }
    this.#highestSeq = seq;
    return false;
  }

  /**
   * Counts a failed probe: lost (`timeout`) or its reply was wrong.
   *
   * @param code Why it failed.
   */
  failure(code: ErrorCode): void {
    this.#times.failure(code);
  }

  /** Counts a reply to a probe that already had one. */
  duplicate(): void {
    this.#duplicates++;
  }

  /** Counts a reply that came after its probe was counted lost. */
  late(): void {
    this.#late++;
  }

  /** Counts a datagram that was no reply to a probe of this run. */
  stray(): void {
    this.#stray++;
  }

  /** The statistics so far. */
  summary(): UdpSummary {
    const times = this.#times.summary();
    return {
      transmitted: times.transmitted,
      received: times.received,
      lost: times.errors.timeout ?? 0,
      lossPct: times.lossPct,
      duplicates: this.#duplicates,
      reordered: this.#reordered,
      late: this.#late,
      stray: this.#stray,
      minMs: times.minMs,
      avgMs: times.avgMs,
      maxMs: times.maxMs,
      mdevMs: times.mdevMs,
      p50Ms: times.p50Ms,
      p90Ms: times.p90Ms,
      p99Ms: times.p99Ms,
      jitterMs: this.#jitter.ms,
      errors: times.errors,
    };
  }

  /**
   * A percentile of the replies' times, within 1%.
   *
   * @param percent From 0 to 100.
   * @returns Milliseconds, or `NaN` when no reply came.
   */
  percentile(percent: number): number {
    return this.#times.percentile(percent);
  }
}
