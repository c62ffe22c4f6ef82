/**
 * Listeners, and the one error of an address that cannot be bound.
 *
 * @module
 */

import { formatHostPort } from "./address.ts";
import { EchoError } from "./errors.ts";

/**
 * Listens on a TCP address. Deno sets SO_REUSEADDR on TCP listeners (Unix), so a
 * restart binds at once.
 *
 * @param hostname The address to listen on.
 * @param port The port; 0 picks a free one.
 * @param backlog Length of the queue of connections not yet accepted.
 * @returns The listener.
 * @throws {EchoError} Code `listen`, saying why (in use, permission denied, not an
 *   address of this machine); the `cause` is Deno's error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenTcp } from "./listen.ts";
 *
 * using listener = listenTcp("127.0.0.1", 0, 10);
 * assert.throws(
 *   () => listenTcp("127.0.0.1", listener.addr.port, 10),
 *   { code: "listen", message: `Cannot listen on "127.0.0.1:${listener.addr.port}": address in use` },
 * );
 * ```
 */
export function listenTcp(hostname: string, port: number, backlog: number): Deno.TcpListener {
  try {
    return Deno.listen({ hostname, port, tcpBacklog: backlog });
  } catch (error) {
    throw listenError(hostname, port, error);
  }
}

/**
 * Binds a UDP socket (`Deno.listenDatagram`, which Deno 2.9 offers only with its
 * unstable network API turned on).
 *
 * @param hostname The address to bind.
 * @param port The port; 0 picks a free one.
 * @returns The socket.
 * @throws {EchoError} Code `listen`, saying why (in use, permission denied, not an
 *   address of this machine, or the runtime has no UDP); the `cause` is Deno's error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenUdp } from "./listen.ts";
 *
 * const socket = listenUdp("127.0.0.1", 0);
 * try {
 *   const { port } = socket.addr as Deno.NetAddr;
 *   assert.throws(() => listenUdp("127.0.0.1", port), {
 *     code: "listen",
 *     message: `Cannot listen on "udp 127.0.0.1:${port}": address in use`,
 *   });
 * } finally {
 *   socket.close();
 * }
 * ```
 */
export function listenUdp(hostname: string, port: number): Deno.DatagramConn {
  // Without the unstable network API, Deno 2.9.6 has no `listenDatagram` at all.
  if (typeof Deno.listenDatagram !== "function") {
    throw new EchoError(
      "listen",
      `Cannot listen on "udp ${
        formatHostPort(hostname, port)
      }": this Deno runs without its unstable network API (no Deno.listenDatagram)`,
    );
  }
  try {
    return Deno.listenDatagram({ transport: "udp", hostname, port });
  } catch (error) {
    throw new EchoError("listen", listenMessage(`udp ${formatHostPort(hostname, port)}`, error), {
      cause: error,
    });
  }
}

/**
 * The `listen` error of an address that could not be bound, for listeners opened
 * elsewhere (an HTTP server's `Deno.serve`).
 *
 * @param hostname The address.
 * @param port The port.
 * @param error What the bind threw.
 * @returns An {@linkcode EchoError} with code `listen` and `error` as its cause.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenError } from "./listen.ts";
 *
 * const error = listenError("127.0.0.1", 9000, new Deno.errors.AddrInUse("in use"));
 * assert.equal(error.code, "listen");
 * assert.equal(error.message, 'Cannot listen on "127.0.0.1:9000": address in use');
 * ```
 */
export function listenError(hostname: string, port: number, error: unknown): EchoError {
  return new EchoError("listen", listenMessage(formatHostPort(hostname, port), error), {
    cause: error,
  });
}

/** The message of a `listen` error: the address, and why it cannot be bound. */
function listenMessage(address: string, error: unknown): string {
  const where = `"${address}"`;
  if (error instanceof Deno.errors.AddrInUse) return `Cannot listen on ${where}: address in use`;
  if (error instanceof Deno.errors.PermissionDenied) {
    return `Cannot listen on ${where}: permission denied`;
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return `Cannot listen on ${where}: not an address of this machine`;
  }
  return `Cannot listen on ${where}: ${(error as Error).message}`;
}
