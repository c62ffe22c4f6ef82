/**
 * Names to addresses: an IP literal as it is, a name through a resolver.
 *
 * @module
 */

import { ProbeError } from "./errors.ts";

/** Turns a host name into one IP address of the given family (any when undefined). */
export type Resolver = (hostname: string, family: 4 | 6 | undefined) => Promise<string>;

/**
 * The system resolver (`getaddrinfo`: `/etc/hosts`, then DNS, as other programs do).
 *
 * @param hostname The name to resolve.
 * @param family 4 or 6 for one family only.
 * @returns The first address the system gives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemResolver } from "./resolve.ts";
 *
 * assert.equal(await systemResolver("localhost", 4), "127.0.0.1");
 * ```
 */
export async function systemResolver(
  hostname: string,
  family: 4 | 6 | undefined,
): Promise<string> {
  // Loaded on first use: an IP literal needs no resolver, and node:dns costs start-up time.
  const { lookup } = await import("node:dns/promises");
  return (await lookup(hostname, family ? { family } : {})).address;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The family of an IP literal, or `undefined` for a name.
 *
 * @param hostname A name, a dotted IPv4 address or an IPv6 literal.
 * @returns 4, 6 or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { literalFamily } from "./resolve.ts";
 *
 * assert.equal(literalFamily("10.0.0.7"), 4);
 * assert.equal(literalFamily("::1"), 6);
 * assert.equal(literalFamily("db.internal"), undefined);
 * ```
 */
export function literalFamily(hostname: string): 4 | 6 | undefined {
  return IPV4.test(hostname) ? 4 : hostname.includes(":") ? 6 : undefined;
}

/**
 * The IP address to connect to: an IP literal itself, or the resolver's answer.
 *
 * @param hostname A name or an IP literal.
 * @param family Keep to this address family.
 * @param resolver Turns names into addresses.
 * @param seq The probe's sequence number, for the error.
 * @returns One IP address.
 * @throws {ProbeError} Code `resolve` when the name does not resolve, or a literal is
 *   of the other family.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveAddress, systemResolver } from "./resolve.ts";
 *
 * assert.equal(await resolveAddress("::1", undefined, systemResolver, 1), "::1");
 * await assert.rejects(
 *   resolveAddress("::1", 4, systemResolver, 1),
 *   { code: "resolve", message: '"::1" is not an IPv4 address' },
 * );
 * ```
 */
export async function resolveAddress(
  hostname: string,
  family: 4 | 6 | undefined,
  resolver: Resolver,
  seq: number,
): Promise<string> {
  const literal = literalFamily(hostname);
  if (literal !== undefined) {
    if (family !== undefined && family !== literal) {
      throw new ProbeError("resolve", `"${hostname}" is not an IPv${family} address`, { seq });
    }
    return hostname;
  }
  try {
    return await resolver(hostname, family);
  } catch (error) {
    const what = family ? ` to an IPv${family} address` : "";
    throw new ProbeError("resolve", `Cannot resolve "${hostname}"${what}`, { seq }, {
      cause: error,
    });
  }
}
