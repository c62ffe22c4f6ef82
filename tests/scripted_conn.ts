/**
 * A scripted stand-in for a TCP connection, for tests of lib/echo.ts's loop.
 *
 * @module
 */

/**
 * A connection scripted by the test, for the echo loop: reads take what was pushed (a
 * read waits while nothing is), writes are kept. It records the size of every read
 * buffer it is given; `writePiece` makes writes take only part of what they are
 * given, and `hang` makes the next writes wait until the connection is closed.
 */
export class ScriptedConn {
  readonly readSizes: number[] = [];
  readonly written: Uint8Array[] = [];
  #pending: Uint8Array[] = [];
  #ended = false;
  #wake: (() => void) | undefined;
  #closed: Error | undefined;
  constructor(readonly writePiece: () => number = () => Infinity) {}

  push(bytes: Uint8Array | null): void {
    if (bytes === null) this.#ended = true;
    else this.#pending.push(bytes);
    this.#wake?.();
  }

  close(): void {
    this.#closed = new Deno.errors.BadResource("Bad resource ID");
    this.#wake?.();
    for (const fail of this.#hung.splice(0)) fail();
  }

  async read(p: Uint8Array): Promise<number | null> {
    this.readSizes.push(p.length);
    while (this.#pending.length === 0 && !this.#ended && !this.#closed) {
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    if (this.#closed) throw this.#closed;
    const next = this.#pending[0];
    if (!next) return null;
    const n = Math.min(p.length, next.length);
    p.set(next.subarray(0, n));
    if (n === next.length) this.#pending.shift();
    else this.#pending[0] = next.subarray(n);
    return n;
  }

  /** Set: the next writes wait until the connection is closed, and then fail. */
  hang = false;
  /** Whether a write took part of what it was given. */
  partial = false;
  #hung: (() => void)[] = [];

  write(p: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.hang) {
      return new Promise((_, reject) => this.#hung.push(() => reject(this.#closed)));
    }
    const n = Math.max(1, Math.min(p.length, this.writePiece()));
    if (n < p.length) this.partial = true;
    this.written.push(p.slice(0, n));
    return Promise.resolve(n);
  }
}
