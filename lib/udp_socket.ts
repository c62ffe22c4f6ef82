/**
 * A UDP prober's socket: bound for the target's address family, sending to the one
 * target and handing every datagram received to a callback.
 *
 * @module
 */

import { listenUdp } from "./listen.ts";

/**
 * A UDP socket aimed at one target. Close it to end its receive loop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProbeSocket } from "./udp_socket.ts";
 * import { serveUdp } from "./udp_server.ts";
 *
 * await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
 * const { promise, resolve } = Promise.withResolvers<string>();
 * await using socket = new ProbeSocket(
 *   "127.0.0.1",
 *   server.addr.port,
 *   new Uint8Array(1024),
 *   (datagram) => resolve(new TextDecoder().decode(datagram)),
 *   (error) => resolve(`failed: ${error.message}`),
 * );
 * await socket.send(new TextEncoder().encode("ping"));
 * assert.equal(await promise, "ping");
 * ```
 */
export class ProbeSocket implements AsyncDisposable {
  /** Where datagrams go. */
  readonly target: Deno.NetAddr;
  readonly #socket: Deno.DatagramConn;
  readonly #receiving: Promise<void>;
  #closed = false;

  /**
   * Binds a socket on every local address of the target's family, port 0.
   *
   * @param address The target's IP address.
   * @param port The target's port.
   * @param buffer Where datagrams are received; reused for each (the callback reads it
   *   before the next receive).
   * @param onDatagram Called with each datagram, the sender and `performance.now()`.
   * @param onError Called once if receiving fails for good (not after a close).
   * @throws {EchoError} Code `listen` when no socket can be bound.
   */
  constructor(
    address: string,
    port: number,
    buffer: Uint8Array,
    onDatagram: (datagram: Uint8Array, from: Deno.NetAddr, now: number) => void,
    onError: (error: Error) => void,
  ) {
    this.#socket = listenUdp(address.includes(":") ? "::" : "0.0.0.0", 0);
    this.target = { transport: "udp", hostname: address, port };
    this.#receiving = this.#receiveLoop(buffer, onDatagram, onError);
  }

  /** The local address and port. */
  get localAddr(): Deno.NetAddr {
    return this.#socket.addr as Deno.NetAddr;
  }

  /**
   * Sends a datagram to the target.
   *
   * @param datagram The bytes; not to be changed before the promise settles.
   * @returns When the system has the datagram.
   * @throws What the system refused the send with.
   */
  async send(datagram: Uint8Array): Promise<void> {
    await this.#socket.send(datagram, this.target);
  }

  /** Closes the socket; resolves when the receive loop has ended. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#socket.close();
    }
    await this.#receiving;
  }

  /** Closes the socket, as {@linkcode ProbeSocket.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #receiveLoop(
    buffer: Uint8Array,
    onDatagram: (datagram: Uint8Array, from: Deno.NetAddr, now: number) => void,
    onError: (error: Error) => void,
  ): Promise<void> {
    for (;;) {
      let received: [Uint8Array, Deno.Addr];
      try {
        received = await this.#socket.receive(buffer);
      } catch (error) {
        if (this.#closed) return; // the close we made ends the receive (Interrupted)
        // Windows reports an earlier datagram's ICMP "port unreachable" on a later receive.
        if (error instanceof Deno.errors.ConnectionReset) continue;
        onError(error as Error);
        return;
      }
      onDatagram(received[0], received[1] as Deno.NetAddr, performance.now());
    }
  }
}
