/**
 * Who may connect: address ranges, connections open at once, connections per address.
 *
 * @module
 */

import { canonicalAddress, type Cidr } from "./cidr.ts";
import { DEFAULTS } from "./defaults.ts";

/** Why a connection was closed as soon as it was accepted. */
export type RejectReason = "max-connections" | "max-per-ip" | "not-allowed";

/** A connection closed at accept. */
export interface RejectInfo {
  /** The peer. */
  remoteAddr: Deno.NetAddr;
  /** Which rule closed it. */
  reason: RejectReason;
}

/** The rules of {@linkcode Admission}. */
export interface AdmissionOptions {
  /**
   * Connections open at once.
   * @default {1024}
   */
  maxConnections?: number;
  /** Connections open at once from one IP address (default: no limit). */
  maxPerIp?: number;
  /** Admit only peers in these ranges (default: everyone). */
  allow?: readonly Cidr[];
}

/**
 * Decides on each accepted peer, and counts the admitted ones until they leave.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Admission } from "./admission.ts";
 * import { parseCidr } from "./cidr.ts";
 *
 * const admission = new Admission({ maxPerIp: 1, allow: [parseCidr("127.0.0.0/8")] });
 * assert.equal(admission.admit("127.0.0.1"), undefined);
 * assert.equal(admission.admit("127.0.0.1"), "max-per-ip");
 * assert.equal(admission.admit("10.0.0.1"), "not-allowed");
 * admission.leave("127.0.0.1");
 * assert.equal(admission.admit("::ffff:127.0.0.1"), undefined);
 * ```
 */
export class Admission {
  readonly #allow: readonly Cidr[] | undefined;
  readonly #maxConnections: number;
  readonly #maxPerIp: number | undefined;
  /** Open connections per address; kept only when there is a per-address limit. */
  readonly #perIp = new Map<string, number>();
  #open = 0;

  /**
   * Makes the rules.
   *
   * @param options The limits and ranges; see {@linkcode AdmissionOptions}.
   */
  constructor(options: AdmissionOptions = {}) {
    this.#allow = options.allow;
    this.#maxConnections = options.maxConnections ?? DEFAULTS.maxConnections;
    this.#maxPerIp = options.maxPerIp;
  }

  /** Connections admitted and not yet left. */
  get open(): number {
    return this.#open;
  }

  /**
   * Decides on a peer just accepted, and counts it in when it is admitted.
   *
   * @param hostname The peer's IP address.
   * @returns Why it is turned away, or `undefined` when it is admitted (then call
   *   {@linkcode Admission.leave} when it closes).
   */
  admit(hostname: string): RejectReason | undefined {
    if (this.#allow && !this.#allow.some((range) => range.contains(hostname))) {
      return "not-allowed";
    }
    if (this.#open >= this.#maxConnections) return "max-connections";
    if (this.#maxPerIp !== undefined) {
      const key = ipKey(hostname);
      const same = this.#perIp.get(key) ?? 0;
      if (same >= this.#maxPerIp) return "max-per-ip";
      this.#perIp.set(key, same + 1);
    }
    this.#open++;
    return undefined;
  }

  /**
   * Counts out a peer that {@linkcode Admission.admit} admitted.
   *
   * @param hostname The peer's IP address, as given to `admit()`.
   */
  leave(hostname: string): void {
    this.#open--;
    if (this.#maxPerIp === undefined) return;
    const key = ipKey(hostname);
    const same = (this.#perIp.get(key) ?? 1) - 1;
    if (same === 0) this.#perIp.delete(key);
    else this.#perIp.set(key, same);
  }
}

/**
 * The key of the per-address count: the address in one spelling, so an IPv4-mapped
 * IPv6 address, however written, counts as its IPv4 address.
 */
function ipKey(hostname: string): string {
  return canonicalAddress(hostname);
}
