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
 * Parses `HOST`, `HOST:PORT`, `[IPV6]`, `[IPV6]:PORT` or a bare IPv6 literal.
 *
 * A bare IPv6 literal (two colons or more, no brackets) carries no port: `::1` is
 * the host `::1`.
 *
 * @param text What the user typed.
 * @returns The host (IPv6 without brackets) and the port, if the text names one.
 * @throws {ValueError} If the host is empty or the port is not 1 to 65535; the
 *   message names which (`Invalid host "..."`, `Invalid port "..."`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHostPort } from "./address.ts";
 *
 * assert.deepEqual(parseHostPort("[::1]:4000"), { hostname: "::1", port: 4000 });
 * assert.deepEqual(parseHostPort("::1"), { hostname: "::1" });
 * assert.deepEqual(parseHostPort("example.com:80"), { hostname: "example.com", port: 80 });
 * ```
 */
export function parseHostPort(text: string): HostPort {
  let hostname = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    hostname = bracketed[1]!;
    portText = bracketed[2];
  } else if (text.indexOf(":") !== -1 && text.indexOf(":") === text.lastIndexOf(":")) {
    [hostname, portText] = text.split(":") as [string, string];
  }
  if (hostname === "" || /[\s\/\[\]]/.test(hostname)) {
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
 * @throws {ValueError} If it is not of that form or the port is above 65535.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseListenAddress } from "./address.ts";
 *
 * assert.deepEqual(parseListenAddress("127.0.0.1:0"), { hostname: "127.0.0.1", port: 0 });
 * assert.deepEqual(parseListenAddress("[::1]:9000"), { hostname: "::1", port: 9000 });
 * assert.throws(() => parseListenAddress("127.0.0.1"), /expected HOST:PORT or \[IPV6\]:PORT/);
 * ```
 */
export function parseListenAddress(text: string): Required<HostPort> {
  const match = LISTEN_ADDRESS.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port <= 65535)) {
    throw new ValueError(text, "HOST:PORT or [IPV6]:PORT, port 0 to 65535 (0 picks a free one)");
  }
  return { hostname: (match[1] ?? match[2])!, port };
}
