/**
 * The UDP echo server's guards against reflection and amplification: which datagrams
 * it answers, and why it refuses the others.
 *
 * @module
 */

import type { Cidr } from "./cidr.ts";
import { DEFAULTS } from "./defaults.ts";
import { TokenBucket } from "./token_bucket.ts";
import { type SourceEntry, SourceTable } from "./udp_sources.ts";

/**
 * Source ports never answered: services that answer datagrams themselves (echo 7,
 * daytime 13, chargen 19, time 37, DNS 53, NTP 123, SNMP 161, SSDP 1900, memcached
 * 11211), so that a spoofed datagram cannot start a loop between them and us
 * (CVE-1999-0103), and port 0, which no real sender uses.
 */
export const REFLECTOR_PORTS: readonly number[] = [0, 7, 13, 19, 37, 53, 123, 161, 1900, 11211];

/** Why a datagram got no answer. */
export type UdpRefusal =
  | "too-large"
  | "source-port"
  | "not-allowed"
  | "source-rate"
  | "global-rate";

/** Every {@linkcode UdpRefusal}, in the order the guards check them. */
export const UDP_REFUSALS: readonly UdpRefusal[] = [
  "too-large",
  "source-port",
  "not-allowed",
  "source-rate",
  "global-rate",
];

/** The guards of a UDP echo server. */
export interface UdpGuardOptions {
  /**
   * The largest datagram answered, in bytes (larger ones: `too-large`).
   * @default {250}
   */
  maxDatagramBytes?: number;
  /** Answer only sources in these ranges (others: `not-allowed`; default: everyone). */
  allow?: readonly Cidr[];
  /**
   * Source ports never answered (`source-port`).
   * @default {REFLECTOR_PORTS}
   */
  refusedSourcePorts?: readonly number[];
  /**
   * Answers per second to one source address (more: `source-rate`).
   * @default {1000}
   */
  sourceRate?: number;
  /**
   * Answers one source address may get at once.
   * @default {1000}
   */
  sourceBurst?: number;
  /**
   * Answers per second to all sources together (more: `global-rate`).
   * @default {10000}
   */
  globalRate?: number;
  /**
   * Answers all sources together may get at once.
   * @default {10000}
   */
  globalBurst?: number;
  /**
   * Source addresses tracked at once; when full, the oldest is forgotten.
   * @default {10000}
   */
  maxSources?: number;
}

/**
 * Decides on each datagram, and counts refusals by reason, in all and per source.
 * The cheap checks come first; the source's bucket before the global one, so that one
 * source's flood spends its own tokens, not everyone's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UdpGuard } from "./udp_guard.ts";
 *
 * const guard = new UdpGuard({ maxDatagramBytes: 100, sourceRate: 1, sourceBurst: 1 });
 * const from = (port: number) => ({ transport: "udp" as const, hostname: "10.0.0.1", port });
 * assert.equal(guard.admit(from(19), 10, 0), "source-port"); // chargen
 * assert.equal(guard.admit(from(5000), 101, 0), "too-large");
 * assert.equal(typeof guard.admit(from(5000), 100, 0), "object"); // answered
 * assert.equal(guard.admit(from(5001), 100, 0), "source-rate"); // same address
 * assert.equal(guard.refusals["source-rate"], 1);
 * ```
 */
export class UdpGuard {
  /** The sources seen, for the per-source report. */
  readonly sources: SourceTable;
  /** Refusals so far, by reason (all reasons, 0 included). */
  readonly refusals: Record<UdpRefusal, number> = {
    "too-large": 0,
    "source-port": 0,
    "not-allowed": 0,
    "source-rate": 0,
    "global-rate": 0,
  };
  readonly #maxBytes: number;
  readonly #allow: readonly Cidr[] | undefined;
  readonly #refusedPorts: ReadonlySet<number>;
  readonly #global: TokenBucket;

  /**
   * Sets up the guards, with full buckets.
   *
   * @param options The guards; see {@linkcode UdpGuardOptions}.
   */
  constructor(options: UdpGuardOptions = {}) {
    this.#maxBytes = options.maxDatagramBytes ?? DEFAULTS.recordSize;
    this.#allow = options.allow;
    this.#refusedPorts = new Set(options.refusedSourcePorts ?? REFLECTOR_PORTS);
    this.#global = new TokenBucket(
      options.globalRate ?? DEFAULTS.udpGlobalRate,
      options.globalBurst ?? DEFAULTS.udpGlobalBurst,
    );
    this.sources = new SourceTable(options.maxSources ?? DEFAULTS.udpMaxSources, {
      rate: options.sourceRate ?? DEFAULTS.udpSourceRate,
      burst: options.sourceBurst ?? DEFAULTS.udpSourceBurst,
    });
  }

  /**
   * Decides whether a datagram is answered, and counts it for its source.
   *
   * @param from The sender.
   * @param bytes The datagram's length.
   * @param nowMs The time now (`performance.now()`).
   * @returns The source's entry when it is answered (count the answer there), or why not.
   */
  admit(from: Deno.NetAddr, bytes: number, nowMs: number): SourceEntry | UdpRefusal {
    const entry = this.sources.entry(from.hostname, nowMs);
    entry.received++;
    const refusal = this.#refusal(entry, from, bytes, nowMs);
    if (refusal === undefined) return entry;
    entry.refuse(refusal);
    this.refusals[refusal]++;
    return refusal;
  }

  #refusal(
    entry: SourceEntry,
    from: Deno.NetAddr,
    bytes: number,
    nowMs: number,
  ): UdpRefusal | undefined {
    if (bytes > this.#maxBytes) return "too-large";
    if (this.#refusedPorts.has(from.port)) return "source-port";
    if (this.#allow && !this.#allow.some((range) => range.contains(from.hostname))) {
      return "not-allowed";
    }
    if (!this.sources.take(entry, nowMs)) return "source-rate";
    if (!this.#global.take(nowMs)) return "global-rate";
    return undefined;
  }
}
