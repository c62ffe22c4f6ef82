/**
 * Host and port as users write them: `127.0.0.1:3005`, `[::1]:3005`, `::1`, `localhost`.
 *
 * @module
 */

import { ValueError } from "./errors.ts";
import { parseInteger } from "./units.ts";

/** A host name or IP literal, and the TCP port when one was given. */
export interface HostPort {
  /** A name, a dotted IPv4 address or an IPv6 literal (without brackets). */
  hostname: string;
  /** The TCP port, when the text names one. */
  port?: number;
}

/**
 * The family of an IP literal: 4 for a dotted IPv4 address (four numbers from 0 to
 * 255, no leading zeros), 6 for an IPv6 literal (without brackets; a `%zone` allowed).
 *
 * @param text A name or an IP literal.
 * @returns 4, 6, or `undefined` when `text` is not a valid IP literal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ipFamily } from "./address.ts";
 *
 * assert.equal(ipFamily("10.0.0.7"), 4);
 * assert.equal(ipFamily("::ffff:10.0.0.7"), 6);
 * assert.equal(ipFamily("999.1.1.1"), undefined);
 * assert.equal(ipFamily("::1:20005"), undefined);
 * assert.equal(ipFamily("db.internal"), undefined);
 * ```
 */
export function ipFamily(text: string): 4 | 6 | undefined {
  if (IPV4.test(text)) return text.split(".").every((part) => +part <= 255) ? 4 : undefined;
  if (!text.includes(":")) return undefined;
  const [address, zone, ...rest] = text.split("%");
  if (rest.length > 0 || (zone !== undefined && !/^[\w.-]+$/.test(zone))) return undefined;
  try {
    // The WHATWG URL parser holds the whole IPv6 grammar (::, embedded IPv4, groups of 4).
    new URL(`http://[${address}]/`);
    return 6;
  } catch {
    return undefined; // TypeError: not an IPv6 address
  }
}

const IPV4 = /^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/;
const ANY_HOST = "an IP address or a host name";
const LABEL = /^[\p{L}\p{N}_]([\p{L}\p{N}_-]{0,61}[\p{L}\p{N}_])?$/u;

/**
 * Reads a host: an IP literal (an IPv6 one with or without brackets) or a host name
 * (dot-separated labels of letters, digits, `-` and `_`). A name whose last label is a
 * number is read as an IPv4 address, as browsers and resolvers do, so `999.1.1.1` is
 * refused rather than looked up.
 *
 * @param text What the user typed.
 * @returns The host, IPv6 without brackets.
 * @throws {ValueError} If it is neither a valid IP literal nor a host name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHost } from "./address.ts";
 *
 * assert.equal(parseHost("[::1]"), "::1");
 * assert.equal(parseHost("db-1.internal"), "db-1.internal");
 * assert.throws(() => parseHost("999.1.1.1"), /Invalid host "999.1.1.1": expected an IPv4 address/);
 * assert.throws(() => parseHost("[::1"), /Invalid host "\[::1"/);
 * ```
 */
export function parseHost(text: string): string {
  const bracketed = /^\[(.*)\]$/.exec(text)?.[1];
  if (bracketed !== undefined) {
    if (ipFamily(bracketed) === 6) return bracketed;
    throw new ValueError(text, "an IPv6 address in brackets such as [::1]", "host");
  }
  if (ipFamily(text) !== undefined) return text;
  const name = text.endsWith(".") ? text.slice(0, -1) : text;
  const labels = name.split(".");
  if (/^\d+$/.test(labels.at(-1)!)) {
    throw new ValueError(text, "an IPv4 address: four numbers from 0 to 255", "host");
  }
  if (name.length > 253 || !labels.every((label) => LABEL.test(label))) {
    throw new ValueError(text, ANY_HOST, "host");
  }
  return text;
}

/**
 * Parses `HOST`, `HOST:PORT`, `[IPV6]`, `[IPV6]:PORT` or a bare IPv6 literal, and
 * checks the host with {@linkcode parseHost}.
 *
 * A bare IPv6 literal (two colons or more, no brackets) carries no port: `::1` is
 * the host `::1`, and `::1:20005` (not an IPv6 address: a group has at most four hex
 * digits) is refused with the bracketed form as the hint.
 *
 * @param text What the user typed.
 * @returns The host (IPv6 without brackets) and the port, if the text names one.
 * @throws {ValueError} If the host is not an IP literal or a name, or the port is not
 *   1 to 65535; the message names which (`Invalid host "..."`, `Invalid port "..."`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHostPort } from "./address.ts";
 *
 * assert.deepEqual(parseHostPort("[::1]:4000"), { hostname: "::1", port: 4000 });
 * assert.deepEqual(parseHostPort("::1"), { hostname: "::1" });
 * assert.deepEqual(parseHostPort("example.com:80"), { hostname: "example.com", port: 80 });
 * assert.throws(() => parseHostPort("::1:20005"), /expected \[::1\]:20005 for an IPv6 address with a port/);
 * ```
 */
export function parseHostPort(text: string): HostPort {
  let hostname = text;
  let portText: string | undefined;
  const bracketed = /^(\[[^\]]*\])(?::(.*))?$/.exec(text);
  if (bracketed) {
    hostname = bracketed[1]!;
    portText = bracketed[2];
  } else if (text.indexOf(":") !== -1 && text.indexOf(":") === text.lastIndexOf(":")) {
    [hostname, portText] = text.split(":") as [string, string];
  } else if (text.includes(":") && ipFamily(text) === undefined) {
    const colon = text.lastIndexOf(":");
    const [head, tail] = [text.slice(0, colon), text.slice(colon + 1)];
    if (ipFamily(head) === 6 && /^\d+$/.test(tail)) {
      throw new ValueError(text, `[${head}]:${tail} for an IPv6 address with a port`, "host");
    }
  }
  if (hostname === "") throw new ValueError(text, "HOST, HOST:PORT or [IPV6]:PORT", "host");
  try {
    hostname = parseHost(hostname);
  } catch (error) {
    // Neither a name nor an address as a whole: say which forms the argument takes.
    if (!(error instanceof ValueError) || error.expected !== ANY_HOST) throw error;
    throw new ValueError(text, "HOST, HOST:PORT or [IPV6]:PORT", "host");
  }
  if (portText === undefined) return { hostname };
  try {
    return { hostname, port: parseInteger(portText, 1, 65535) };
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    throw new ValueError(portText, error.expected, "port");
  }
}

/**
 * The port a bare IPv6 literal may hide: `::1:3005` is the address `::1:3005`, and
 * perhaps `::1` with port 3005 meant. Brackets tell them apart (`[::1]:3005`,
 * `[::1:3005]`), as does a port given apart.
 *
 * @param text What the user typed.
 * @returns The address and port the text could also be read as, or `undefined` when
 *   it is bracketed, not an IPv6 literal, or its last group is not a decimal number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hiddenPort } from "./address.ts";
 *
 * assert.deepEqual(hiddenPort("::1:3005"), { hostname: "::1", port: 3005 });
 * assert.equal(hiddenPort("[::1]:3005"), undefined);
 * assert.equal(hiddenPort("fe80::1:abcd"), undefined);
 * ```
 */
export function hiddenPort(text: string): Required<HostPort> | undefined {
  const colon = text.lastIndexOf(":");
  const [head, tail] = [text.slice(0, colon), text.slice(colon + 1)];
  if (ipFamily(text) !== 6 || ipFamily(head) !== 6 || !/^\d+$/.test(tail)) return undefined;
  const port = Number(tail);
  return port >= 1 && port <= 65535 ? { hostname: head, port } : undefined;
}

/**
 * Formats a host and port as one token, bracketing IPv6 literals.
 *
 * @param hostname A name or an IP literal.
 * @param port The TCP port.
 * @returns `127.0.0.1:3005` or `[::1]:3005`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatHostPort } from "./address.ts";
 *
 * assert.equal(formatHostPort("::1", 3005), "[::1]:3005");
 * assert.equal(formatHostPort("127.0.0.1", 3005), "127.0.0.1:3005");
 * ```
 */
export function formatHostPort(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

const LISTEN_ADDRESS = /^(?:\[([^\]\s\/]+)\]|([^:\[\]\s\/]+)):(\d+)$/;

/**
 * Parses an address to listen on: `HOST:PORT` or `[IPV6]:PORT`, where the port is
 * required and 0 picks a free one.
 *
 * @param text What the user typed.
 * @returns The host (IPv6 without brackets) and the port.
 * @throws {ValueError} If it is not of that form, the port is above 65535, or the host is
 *   neither an IP literal nor a host name ({@linkcode parseHost}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseListenAddress } from "./address.ts";
 *
 * assert.deepEqual(parseListenAddress("127.0.0.1:0"), { hostname: "127.0.0.1", port: 0 });
 * assert.deepEqual(parseListenAddress("[::1]:9000"), { hostname: "::1", port: 9000 });
 * assert.throws(() => parseListenAddress("127.0.0.1"), /expected HOST:PORT or \[IPV6\]:PORT/);
 * assert.throws(() => parseListenAddress("999.1.1.1:0"), /expected an IPv4 address/);
 * ```
 */
export function parseListenAddress(text: string): Required<HostPort> {
  const match = LISTEN_ADDRESS.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port <= 65535)) {
    throw new ValueError(text, "HOST:PORT or [IPV6]:PORT, port 0 to 65535 (0 picks a free one)");
  }
  return { hostname: parseHost(match[1] === undefined ? match[2]! : `[${match[1]}]`), port };
}
