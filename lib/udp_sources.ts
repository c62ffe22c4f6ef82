/**
 * What each source address sends a UDP echo server: its rate-limit bucket and its
 * counts for the periodic per-source log, in a table of bounded size.
 *
 * @module
 */

import { isFull, takeToken } from "./token_bucket.ts";
import type { UdpRefusal } from "./udp_guard.ts";

/** What one source address, or a group of them, sent and got in a period. */
export interface UdpSourceCounts {
  /** Datagrams received. */
  received: number;
  /** Datagrams echoed. */
  answered: number;
  /** Bytes echoed. */
  bytes: number;
  /** Datagrams not answered, by a guard. */
  refused: number;
  /** The refusals by reason; reasons with none are left out. */
  refusedBy: Partial<Record<UdpRefusal, number>>;
  /** Echoes the system would not send. */
  sendErrors: number;
}

/** The counts of one source address. */
export interface UdpSourceSummary extends UdpSourceCounts {
  /** The address (an IPv4-mapped IPv6 address as IPv4). */
  address: string;
}

/** The per-source summaries of a period, as {@linkcode SourceTable.report} gives them. */
export interface UdpSourceReport {
  /** The busiest sources of the period (most datagrams received first). */
  sources: UdpSourceSummary[];
  /** The other sources of the period, added up, or `undefined` when there were none. */
  others: (UdpSourceCounts & { sources: number }) | undefined;
}

/** The rate limit of each source: a token bucket. */
export interface SourceLimit {
  /** Answers per second. */
  rate: number;
  /** Answers at once. */
  burst: number;
}

/** One source address: its bucket and its counts since the last report. */
export class SourceEntry implements UdpSourceCounts {
  /** Tokens in the bucket at `updatedAt`. */
  tokens: number;
  /** When the bucket was last brought up to date. */
  updatedAt: number;
  /** Datagrams received in the period. */
  received = 0;
  /** Datagrams echoed in the period. */
  answered = 0;
  /** Bytes echoed in the period. */
  bytes = 0;
  /** Datagrams refused in the period. */
  refused = 0;
  /** The refusals by reason. */
  refusedBy: Partial<Record<UdpRefusal, number>> = {};
  /** Echoes the system would not send. */
  sendErrors = 0;

  /**
   * Makes the entry of a source seen for the first time.
   *
   * @param tokens A full bucket.
   * @param nowMs The time now.
   */
  constructor(tokens: number, nowMs: number) {
    this.tokens = tokens;
    this.updatedAt = nowMs;
  }

  /**
   * Counts a refusal.
   *
   * @param reason Why.
   */
  refuse(reason: UdpRefusal): void {
    this.refused++;
    this.refusedBy[reason] = (this.refusedBy[reason] ?? 0) + 1;
  }
}

/**
 * Source addresses of a UDP server, at most `maxSources` at once: when full, the
 * oldest entry goes (its counts are kept for the report). A source forgotten that way
 * comes back with a full bucket; the global limit still holds over all of them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SourceTable } from "./udp_sources.ts";
 *
 * const table = new SourceTable(2, { rate: 1, burst: 1 });
 * const one = table.entry("::ffff:10.0.0.1", 0);
 * one.received++;
 * assert.equal(table.take(one, 0), true);
 * assert.equal(table.take(one, 0), false); // its burst of 1 is spent
 * for (const address of ["10.0.0.2", "10.0.0.3"]) table.entry(address, 0).received++;
 * const { sources, others } = table.report(10, 0);
 * assert.deepEqual(sources.map((source) => source.address), ["10.0.0.2", "10.0.0.3"]);
 * assert.deepEqual([others?.sources, others?.received], [1, 1]); // 10.0.0.1 made room
 * ```
 */
export class SourceTable {
  readonly #entries = new Map<string, SourceEntry>();
  readonly #maxSources: number;
  readonly #limit: SourceLimit;
  #evicted: (UdpSourceCounts & { sources: number }) | undefined;

  /**
   * Makes an empty table.
   *
   * @param maxSources Entries kept at most.
   * @param limit Each source's token bucket.
   */
  constructor(maxSources: number, limit: SourceLimit) {
    this.#maxSources = maxSources;
    this.#limit = limit;
  }

  /** Source addresses in the table. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The entry of a source address, made (with a full bucket) if it has none.
   *
   * @param hostname The sender's address.
   * @param nowMs The time now.
   * @returns Its entry.
   */
  entry(hostname: string, nowMs: number): SourceEntry {
    const address = sourceKey(hostname);
    let entry = this.#entries.get(address);
    if (entry === undefined) {
      if (this.#entries.size >= this.#maxSources) this.#evictOldest();
      entry = new SourceEntry(this.#limit.burst, nowMs);
      this.#entries.set(address, entry);
    }
    return entry;
  }

  /**
   * Takes a token from a source's bucket.
   *
   * @param entry The source.
   * @param nowMs The time now.
   * @returns `true` when it may be answered.
   */
  take(entry: SourceEntry, nowMs: number): boolean {
    return takeToken(entry, this.#limit.rate, this.#limit.burst, nowMs);
  }

  /**
   * The sources that sent anything since the last report, busiest first, and starts a
   * new period. Sources that sent nothing and whose bucket is full again are forgotten.
   *
   * @param limit Sources listed one by one; the rest are added up in `others`.
   * @param nowMs The time now.
   * @returns The report of the period.
   */
  report(limit: number, nowMs: number): UdpSourceReport {
    const active: UdpSourceSummary[] = [];
    for (const [address, entry] of this.#entries) {
      if (entry.received === 0) {
        if (isFull(entry, this.#limit.rate, this.#limit.burst, nowMs)) {
          this.#entries.delete(address);
        }
        continue;
      }
      active.push({ address, ...counts(entry) });
      entry.received =
        entry.answered =
        entry.bytes =
        entry.refused =
        entry.sendErrors =
          0;
      entry.refusedBy = {};
    }
    active.sort((a, b) => b.received - a.received);
    let others = this.#evicted;
    this.#evicted = undefined;
    for (const source of active.slice(limit)) others = add(others, source);
    return { sources: active.slice(0, limit), others };
  }

  #evictOldest(): void {
    const [address, entry] = this.#entries.entries().next().value!;
    this.#entries.delete(address);
    if (entry.received > 0) this.#evicted = add(this.#evicted, entry);
  }
}

/** The key of a source: an IPv4-mapped IPv6 address counts as IPv4. */
function sourceKey(hostname: string): string {
  return hostname.startsWith("::ffff:") && hostname.includes(".") ? hostname.slice(7) : hostname;
}

function counts(entry: UdpSourceCounts): UdpSourceCounts {
  const { received, answered, bytes, refused, refusedBy, sendErrors } = entry;
  return { received, answered, bytes, refused, refusedBy: { ...refusedBy }, sendErrors };
}

function add(
  total: (UdpSourceCounts & { sources: number }) | undefined,
  more: UdpSourceCounts,
): UdpSourceCounts & { sources: number } {
  const sum = total ?? {
    sources: 0,
    received: 0,
    answered: 0,
    bytes: 0,
    refused: 0,
    refusedBy: {},
    sendErrors: 0,
  };
  sum.sources++;
  sum.received += more.received;
  sum.answered += more.answered;
  sum.bytes += more.bytes;
  sum.refused += more.refused;
  sum.sendErrors += more.sendErrors;
  for (const [reason, n] of Object.entries(more.refusedBy) as [UdpRefusal, number][]) {
    sum.refusedBy[reason] = (sum.refusedBy[reason] ?? 0) + n;
  }
  return sum;
}
