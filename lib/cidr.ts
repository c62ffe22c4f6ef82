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
 * Parses `10.0.0.0/8`, `::1/128`, or a bare address (a range of one). An IPv4-mapped
 * range, in any spelling (`::ffff:127.0.0.0/104`, `::FFFF:7f00:0/104`,
 * `0:0:0:0:0:ffff:127.0.0.1`), is the IPv4 range it maps (`127.0.0.0/8`,
 * `127.0.0.1/32`); other IPv6 ranges match IPv6 peers only.
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
 * // The same range written as IPv4-mapped IPv6:
 * assert.equal(parseCidr("::ffff:7f00:0/104").contains("127.0.0.2"), true);
 * ```
 */
export function parseCidr(text: string): Cidr {
  const [addressText, bitsText, ...rest] = text.split("/");
  const full = addressText === undefined ? undefined : parseIp(addressText);
  const fullBits = full ? full.length * 8 : 0;
  let bits = bitsText === undefined ? fullBits : /^\d{1,3}$/.test(bitsText) ? +bitsText : NaN;
  let network = full;
  // An IPv4-mapped range is its IPv4 range: the peer's address is read the same way.
  if (full && full.length === 16 && bits >= MAPPED_BITS && isMapped(full)) {
    network = full.subarray(12);
    bits -= MAPPED_BITS;
  }
  if (!network || rest.length > 0 || !(bits >= 0 && bits <= network.length * 8)) {
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

/** The prefix length of the IPv4-mapped block `::ffff:0:0/96`. */
const MAPPED_BITS = 96;

/**
 * The bytes of an IP literal: 4 for IPv4 and for IPv4-mapped IPv6 in any spelling
 * (`::ffff:127.0.0.1`, `::FFFF:7f00:1`, `0:0:0:0:0:ffff:127.0.0.1`), 16 for other IPv6.
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
 * assert.deepEqual(parseAddress("::ffff:a01:203"), Uint8Array.of(10, 1, 2, 3));
 * assert.equal(parseAddress("example.com"), undefined);
 * ```
 */
export function parseAddress(text: string): Uint8Array | undefined {
  const bytes = parseIp(text);
  return bytes && bytes.length === 16 && isMapped(bytes) ? bytes.subarray(12) : bytes;
}

/**
 * One spelling for each address, to count or compare peers by address: IPv4 dotted
 * (IPv4-mapped IPv6 included), IPv6 as eight lowercase groups of hex digits.
 *
 * @param text An IP literal.
 * @returns The address in its one spelling, or `text` as it is when it is not an IP literal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalAddress } from "./cidr.ts";
 *
 * assert.equal(canonicalAddress("::FFFF:127.0.0.1"), "127.0.0.1");
 * assert.equal(canonicalAddress("::ffff:7f00:1"), "127.0.0.1");
 * assert.equal(canonicalAddress("FD00::1"), "fd00:0:0:0:0:0:0:1");
 * ```
 */
export function canonicalAddress(text: string): string {
  const bytes = parseAddress(text);
  if (!bytes) return text;
  if (bytes.length === 4) return bytes.join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(":");
}

/** Whether 16 bytes are an IPv4-mapped IPv6 address: `::ffff:a.b.c.d`. */
function isMapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** The bytes of an IP literal as written: 4 for IPv4, 16 for IPv6 (mapped or not). */
function parseIp(text: string): Uint8Array | undefined {
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
  // A dotted IPv4 address may end it (`::ffff:127.0.0.1`): the last two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseIpv4(dotted[2]!);
    if (!v4) return undefined;
    text = `${dotted[1]}${((v4[0]! << 8) | v4[1]!).toString(16)}:${
      ((v4[2]! << 8) | v4[3]!).toString(16)
    }`;
  }
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
