/**
 * UDP test helpers: a loopback socket whose receives are bounded in time and whose
 * pending receive is settled when it closes (for the op sanitizer).
 *
 * @module
 */

/** Whether `error` is what a pending receive rejects with when its socket closes. */
export function isClosedReceive(error: unknown): boolean {
  return error instanceof Deno.errors.Interrupted || error instanceof Deno.errors.BadResource;
}

/** A UDP socket on loopback, for tests. Dispose of it (`await using`). */
export class TestSocket implements AsyncDisposable {
  readonly socket: Deno.DatagramConn;
  #pending: Promise<[Uint8Array, Deno.Addr]> | undefined;
  #closed = false;

  /**
   * Binds `hostname:port` (port 0: any free one).
   *
   * @throws What `Deno.listenDatagram` throws (a port below 1024 needs root).
   */
  constructor(hostname = "127.0.0.1", port = 0) {
    this.socket = Deno.listenDatagram({ transport: "udp", hostname, port });
  }

  get addr(): Deno.NetAddr {
    return this.socket.addr as Deno.NetAddr;
  }

  /** Sends `bytes` to `port` on 127.0.0.1, or to an address. */
  async send(bytes: Uint8Array, to: number | Deno.NetAddr): Promise<void> {
    const addr: Deno.NetAddr = typeof to === "number"
      ? { transport: "udp", hostname: "127.0.0.1", port: to }
      : to;
    await this.socket.send(bytes, addr);
  }

  /**
   * The next datagram, with its sender; fails after `timeoutMs` (the receive stays
   * pending for the next call).
   */
  async receive(timeoutMs = 5_000): Promise<[Uint8Array, Deno.NetAddr]> {
    this.#pending ??= this.socket.receive();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no datagram within ${timeoutMs} ms on ${this.addr.port}`)),
        timeoutMs,
      );
    });
    try {
      const [bytes, from] = await Promise.race([this.#pending, timeout]);
      this.#pending = undefined;
      return [bytes, from as Deno.NetAddr];
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Starts a receive and tells, later, whether anything came: for "no answer" checks,
   * made after an event that would have come after the answer.
   */
  watch(): { arrived: () => boolean } {
    let arrived = false;
    this.#pending ??= this.socket.receive();
    this.#pending.then(() => arrived = true, () => {});
    return { arrived: () => arrived };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.close();
    try {
      await this.#pending;
    } catch (error) {
      if (!isClosedReceive(error)) throw error;
    }
  }
}

/** Receives `count` datagrams (each within `timeoutMs`), returning them in order. */
export async function receiveCount(
  socket: TestSocket,
  count: number,
  timeoutMs = 5_000,
): Promise<Uint8Array[]> {
  const datagrams: Uint8Array[] = [];
  for (let i = 0; i < count; i++) datagrams.push((await socket.receive(timeoutMs))[0]);
  return datagrams;
}

/**
 * A loopback address other than 127.0.0.1 that nobody else here uses (Linux answers on
 * all of 127.0.0.0/8), for a second source or a low port.
 */
export function otherLoopback(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint8Array(3));
  return `127.${a! % 200 + 20}.${b}.${c! % 250 + 2}`;
}

/** The sequence number in a probe datagram (bytes 8 to 11). */
export function seqOf(datagram: Uint8Array): number {
  return new DataView(datagram.buffer, datagram.byteOffset).getUint32(8);
}

/**
 * A loopback UDP server that hands each datagram to `respond`, for probers facing
 * misbehaving servers. `respond` gets a copy of the datagram and may answer now, later
 * (it is awaited) or never. Disposing of it closes the socket and waits for `respond`s.
 */
export class FakeUdpServer implements AsyncDisposable {
  readonly socket: Deno.DatagramConn;
  /** Datagrams received so far. */
  received = 0;
  readonly #loop: Promise<void>;
  readonly #handlers = new Set<Promise<void>>();
  #closed = false;

  constructor(
    respond: (
      datagram: Uint8Array,
      from: Deno.NetAddr,
      reply: (bytes: Uint8Array) => Promise<void>,
    ) => Promise<void> | void,
  ) {
    const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    this.socket = socket;
    this.#loop = (async () => {
      for (;;) {
        let datagram: Uint8Array;
        let from: Deno.NetAddr;
        try {
          const received = await socket.receive();
          datagram = received[0].slice();
          from = received[1] as Deno.NetAddr;
        } catch (error) {
          if (this.#closed && isClosedReceive(error)) return;
          throw error;
        }
        this.received++;
        const reply = async (bytes: Uint8Array) => {
          if (!this.#closed) await socket.send(bytes, from);
        };
        const handler = Promise.resolve(respond(datagram, from, reply));
        this.#handlers.add(handler);
        handler.finally(() => this.#handlers.delete(handler));
      }
    })();
  }

  get port(): number {
    return (this.socket.addr as Deno.NetAddr).port;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.#handlers);
    this.#closed = true;
    this.socket.close();
    await this.#loop;
  }
}
