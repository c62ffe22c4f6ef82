/**
 * Host and port as users write them: `127.0.0.1:3005`, `[::1]:3005`, `::1`, `localhost`.
 *
 * @module
 */

import { UsageError } from "./errors.ts";
import { parseInteger } from "./units.ts";

/** A host name or IP literal and a TCP port. */
export interface HostPort {
  /** A name, a dotted IPv4 address or an IPv6 literal (without brackets). */
  hostname: string;
  /** The TCP port. */
  port: number;
}

/**
 * Parses `HOST`, `HOST:PORT`, `[IPV6]`, `[IPV6]:PORT` or a bare IPv6 literal.
 *
 * A bare IPv6 literal (two colons or more, no brackets) carries no port: `::1` is
 * the host `::1` with `defaultPort`.
 *
 * @param text What the user typed.
 * @param defaultPort The port when the text carries none.
 * @returns The host (IPv6 without brackets) and the port.
 * @throws {UsageError} If the host is empty or the port is not 1 to 65535.
 *
 * @example
 * ```ts
 * import { parseHostPort } from "./address.ts";
 *
 * const { hostname, port } = parseHostPort("[::1]:4000", 3005); // "::1", 4000
 * ```
 */
export function parseHostPort(text: string, defaultPort: number): HostPort {
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
    throw new UsageError(`Invalid host "${text}": expected HOST, HOST:PORT or [IPV6]:PORT`);
  }
  const port = portText === undefined ? defaultPort : parseInteger(portText, "port", 1, 65535);
  return { hostname, port };
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
 * import { formatHostPort } from "./address.ts";
 *
 * const text = formatHostPort("::1", 3005); // "[::1]:3005"
 * ```
 */
export function formatHostPort(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}
