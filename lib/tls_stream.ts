/**
 * A TLS session over a Deno TCP connection, read and written as the connection is
 * (`read`, `write`, `closeWrite`), for the probe and the server alike.
 *
 * The protocol is Deno's `node:tls`, run over a `Duplex` made of the connection,
 * because Deno 2.9's own TLS API lacks what echoprobe needs: `Deno.startTls` can
 * neither show the peer's certificate (its expiry, its fingerprint) nor skip the
 * chain check, and its `caCerts` add to the root store where curl's `--cacert`
 * replaces it; `Deno.listenTls` cannot set TCP_NODELAY on what it accepts, and with
 * TLS 1.3's session tickets that held the first echo of every connection for the
 * peer's delayed ACK (42 ms measured here). The TCP connection stays the caller's:
 * it connects, sets TCP_NODELAY, enforces deadlines by closing it, and closes it.
 *
 * @module
 */

import { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { writeAll } from "./record.ts";

/** Bytes asked of the TCP connection per read: one TLS record at most. */
const READ_SIZE = 16 * 1024;
/** Decrypted bytes held for `read()` before the session stops reading the socket. */
const HIGH_WATER = 64 * 1024;

/**
 * The TCP connection as the `Duplex` node:tls runs over. It never closes the
 * connection (its owner does); its reads and writes fail once the owner closed it,
 * and the first failure is kept, with its class, for the session's errors.
 */
export class TcpDuplex extends Duplex {
  /** The first error of a read, write or half-close of the connection. */
  failure: Error | undefined;
  readonly #conn: Deno.TcpConn;

  /**
   * Wraps a connection; nothing is read before node:tls asks.
   *
   * @param conn The connection, open.
   */
  constructor(conn: Deno.TcpConn) {
    super();
    this.#conn = conn;
  }

  /** Reads once from the connection; node:tls asks again when it wants more. */
  override _read(): void {
    const buffer = new Uint8Array(READ_SIZE);
    this.#conn.read(buffer).then(
      (n) => void this.push(n === null ? null : buffer.subarray(0, n)),
      (error: Error) => this.destroy(this.#failed(error)),
    );
  }

  /** Writes all of a chunk of TLS records. */
  override _write(
    chunk: Uint8Array,
    _encoding: string,
    callback: (error?: Error | null) => void,
  ): void {
    writeAll(this.#conn, chunk).then(
      () => callback(),
      (error: Error) => callback(this.#failed(error)),
    );
  }

  /** After the session's close_notify: the TCP half-close. */
  override _final(callback: (error?: Error | null) => void): void {
    this.#conn.closeWrite().then(() => callback(), (error: Error) => callback(this.#failed(error)));
  }

  #failed(error: Error): Error {
    this.failure ??= error;
    return error;
  }
}

/**
 * One TLS session over a TCP connection, read as a `Deno.Conn` is: `read()` gives the
 * decrypted bytes waiting (or waits for some), `null` after the peer's close_notify
 * or end of stream; `write()` resolves once the bytes are encrypted and written.
 */
export class TlsStream {
  /** The node:tls socket, for its handshake details. */
  readonly socket: TLSSocket;
  readonly #duplex: TcpDuplex;
  readonly #conn: Deno.TcpConn;
  readonly #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  /**
   * Starts taking the socket's bytes as they are decrypted.
   *
   * @param socket The node:tls socket over `duplex`.
   * @param duplex The TCP connection's duplex.
   * @param conn The TCP connection.
   */
  constructor(socket: TLSSocket, duplex: TcpDuplex, conn: Deno.TcpConn) {
    this.socket = socket;
    this.#duplex = duplex;
    this.#conn = conn;
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered >= HIGH_WATER) socket.pause();
      this.#notify();
    });
    socket.on("end", () => this.#end());
    socket.on("close", () => this.#end());
    // The connection's own error (ConnectionReset, BadResource after its close) tells
    // more than node's wrapper of it.
    socket.on("error", (error: Error) => {
      this.#error ??= duplex.failure ?? error;
      this.#notify();
    });
  }

  /** The local address of the TCP connection. */
  get localAddr(): Deno.NetAddr {
    return this.#conn.localAddr;
  }

  /**
   * The first error of the session or its connection, once there is one. A failed
   * read of the connection (closed by its owner at a deadline, reset by the peer)
   * counts even when node:tls only reports the socket closed.
   */
  get error(): Error | undefined {
    return this.#error ?? this.#duplex.failure;
  }

  /**
   * Reads decrypted bytes: those waiting, or the next ones to arrive.
   *
   * @param p Where the bytes go.
   * @returns How many were read, or `null` at the end of the stream.
   * @throws What failed the session or its connection.
   */
  read(p: Uint8Array): Promise<number | null> {
    if (this.#buffered > 0) return Promise.resolve(this.#take(p));
    if (this.error) return Promise.reject(this.error);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.#wake = () => {
        this.#wake = undefined;
        if (this.#buffered > 0) resolve(this.#take(p));
        else if (this.error) reject(this.error);
        else resolve(null);
      };
    });
  }

  /**
   * Encrypts and writes bytes.
   *
   * @param p The bytes; not to be changed until the promise settles.
   * @returns `p.length`: the session takes all of them.
   * @throws What failed the session or its connection.
   */
  write(p: Uint8Array): Promise<number> {
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      this.socket.write(p, (error?: Error | null) => {
        if (error) reject(this.#duplex.failure ?? error);
        else resolve(p.length);
      });
    });
  }

  /**
   * Sends close_notify, then half-closes the TCP connection; reading goes on.
   *
   * @throws What failed the session or its connection.
   */
  closeWrite(): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      this.socket.end((error?: Error | null) => {
        if (error) reject(this.#duplex.failure ?? error);
        else resolve();
      });
    });
  }

  /**
   * Ends the session politely, as a server does after its last echo: close_notify and
   * the TCP half-close, when the session is still up. The connection's owner closes
   * it next either way, so a session that fails meanwhile (the peer gone, the
   * deadline closed it) ends this without an error.
   */
  async finish(): Promise<void> {
    if (this.error || this.socket.destroyed) return;
    try {
      await this.closeWrite();
    } catch (error) {
      // The session failed while closing: its connection is gone, nothing more to send.
      if (error !== this.#duplex.failure && !this.socket.destroyed) throw error;
    }
  }

  #take(p: Uint8Array): number {
    let filled = 0;
    while (filled < p.length && this.#chunks.length > 0) {
      const chunk = this.#chunks[0]!;
      const n = Math.min(p.length - filled, chunk.length);
      p.set(n === chunk.length ? chunk : chunk.subarray(0, n), filled);
      filled += n;
      if (n === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(n);
    }
    this.#buffered -= filled;
    if (this.socket.isPaused() && this.#buffered < HIGH_WATER) this.socket.resume();
    return filled;
  }

  #end(): void {
    this.#ended = true;
    this.#notify();
  }

  #notify(): void {
    this.#wake?.();
  }
}
