/**
 * IPv4 and IPv6 address ranges in CIDR notation, to admit peers by address.
 *
 * @module
 */

import { ValueError } from "./errors.ts";

/** An address range: matches the addresses whose first `bits` bits equal the network's. */
export interface Cidr {
  /** The range as given. */
  readonly text: string;
  /** Whether `address` (an IP literal, IPv4-mapped IPv6 read as IPv4) is in the range. */
  contains(address: string): boolean;
}

/**
 * Parses `10.0.0.0/8`, `::1/128`, or a bare address (a range of one).
 *
 * @param text The range.
 * @returns The range.
 * @throws {ValueError} If it is not an IPv4 or IPv6 range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCidr } from "./cidr.ts";
 *
 * const loopback = parseCidr("127.0.0.0/8");
 * assert.equal(loopback.contains("127.0.0.2"), true);
 * // An IPv4 client of a dual-stack listener:
 * assert.equal(loopback.contains("::ffff:127.0.0.1"), true);
 * assert.equal(loopback.contains("::1"), false);
 * ```
 */
export function parseCidr(text: string): Cidr {
  const [addressText, bitsText, ...rest] = text.split("/");
  const network = addressText === undefined ? undefined : parseAddress(addressText);
  const maxBits = network ? network.length * 8 : 0;
  const bits = bitsText === undefined ? maxBits : /^\d{1,3}$/.test(bitsText) ? +bitsText : NaN;
  if (!network || rest.length > 0 || !(bits >= 0 && bits <= maxBits)) {
    throw new ValueError(text, "an IPv4 or IPv6 range such as 10.0.0.0/8 or fd00::/8", "range");
  }
  return {
    text,
    contains(address: string): boolean {
      const bytes = parseAddress(address);
      return bytes !== undefined && bytes.length === network.length &&
        samePrefix(bytes, network, bits);
    },
  };
}

/**
 * The bytes of an IP literal: 4 for IPv4 (and IPv4-mapped IPv6), 16 for IPv6.
 *
 * @param text A dotted IPv4 address or an IPv6 literal (no brackets, no zone).
 * @returns The bytes, or `undefined` when `text` is not an IP literal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAddress } from "./cidr.ts";
 *
 * assert.deepEqual(parseAddress("::1"), Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
 * assert.deepEqual(parseAddress("10.1.2.3"), Uint8Array.of(10, 1, 2, 3));
 * assert.equal(parseAddress("example.com"), undefined);
 * ```
 */
export function parseAddress(text: string): Uint8Array | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  if (mapped) return parseIpv4(mapped[1]!);
  return text.includes(":") ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && +part <= 255)) {
    return undefined;
  }
  return Uint8Array.from(parts, Number);
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined) => (half ? half.split(":") : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!all.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return undefined;
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  return bytes;
}

function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole]! & mask) === (b[whole]! & mask);
}
