/**
 * The read loops (a record, at least an echo, to the end of the stream) and the
 * write-all loop: TCP delivers bytes in pieces of any size, and accepts writes in
 * pieces too.
 *
 * @module
 */

import { isReset } from "./errors.ts";

/** Something that reads bytes, as `Deno.Conn` does. */
export interface Reader {
  /** Reads up to `p.length` bytes into `p`; `null` at end of stream. */
  read(p: Uint8Array): Promise<number | null>;
}

/** Something that writes bytes, as `Deno.Conn` does. */
export interface Writer {
  /** Writes some bytes of `p` (at least one) and returns how many. */
  write(p: Uint8Array): Promise<number>;
}

/**
 * Reads until `buffer` is full or the stream ends.
 *
 * A read that is already waiting cannot be interrupted from here: whoever owns
 * the reader closes it when `signal` aborts (as `serve()` does), the waiting read
 * fails, and `readFull()` then throws the signal's reason instead of that failure.
 *
 * @param reader Where the bytes come from.
 * @param buffer Where they go; `readFull()` fills it from `start` to its end.
 * @param signal Aborts the loop: checked before every read and after a failed one.
 * @param start Bytes already in `buffer` (from an earlier read), 0 by default.
 * @param onRead Called after every read that returned bytes, with how many `buffer` holds.
 * @returns How many bytes `buffer` now holds: `buffer.length`, or fewer at end of stream.
 * @throws The signal's reason when it aborted; otherwise what the reader threw.
 *
 * @example Read one 250-byte record
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFull } from "./record.ts";
 *
 * const bytes = new Uint8Array(300).fill(7);
 * let offset = 0;
 * const reader = {
 *   read(p: Uint8Array): Promise<number | null> {
 *     const n = Math.min(p.length, 100, bytes.length - offset);
 *     p.set(bytes.subarray(offset, offset + n));
 *     offset += n;
 *     return Promise.resolve(n === 0 ? null : n);
 *   },
 * };
 * const record = new Uint8Array(250);
 * assert.equal(await readFull(reader, record), 250); // in three reads
 * assert.deepEqual(record, new Uint8Array(250).fill(7));
 * ```
 */
export function readFull(
  reader: Reader,
  buffer: Uint8Array,
  signal?: AbortSignal,
  start = 0,
  onRead?: (filled: number) => void,
): Promise<number> {
  return readAtLeast(reader, buffer, buffer.length, signal, start, onRead);
}

/**
 * Writes all of `data`, looping while the writer takes it in pieces.
 *
 * @param writer Where the bytes go.
 * @param data The bytes to write.
 * @param signal Aborts the loop: checked before every write and after a failed one.
 * @throws The signal's reason when it aborted; otherwise what the writer threw.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeAll } from "./record.ts";
 *
 * const chunks: Uint8Array[] = [];
 * const writer = {
 *   write(p: Uint8Array): Promise<number> {
 *     chunks.push(p.slice(0, 2)); // takes two bytes at a time
 *     return Promise.resolve(Math.min(2, p.length));
 *   },
 * };
 * await writeAll(writer, new Uint8Array([1, 2, 3, 4, 5]));
 * assert.deepEqual(chunks, [Uint8Array.of(1, 2), Uint8Array.of(3, 4), Uint8Array.of(5)]);
 * ```
 */
export async function writeAll(
  writer: Writer,
  data: Uint8Array,
  signal?: AbortSignal,
): Promise<void> {
  let written = 0;
  try {
    while (written < data.length) {
      signal?.throwIfAborted();
      written += await writer.write(written === 0 ? data : data.subarray(written));
    }
  } catch (error) {
    signal?.throwIfAborted();
    throw error;
  }
}

/**
 * Reads until `buffer` holds at least `min` bytes or the stream ends; each read may
 * fill the buffer past `min`, and what it brings beyond is there to be seen.
 * `readFull()` is this with `min` the buffer's length.
 *
 * @param reader Where the bytes come from.
 * @param buffer Where they go, from `start`; longer than `min` to see what follows.
 * @param min The bytes wanted.
 * @param signal Aborts the loop: checked before every read and after a failed one.
 * @param start Bytes already in `buffer`.
 * @param onRead Called after every read that returned bytes, with how many `buffer` holds.
 * @returns How many bytes `buffer` holds: `min` or more, fewer at end of stream.
 * @throws The signal's reason when it aborted; otherwise what the reader threw.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readAtLeast } from "./record.ts";
 *
 * const chunks = [new Uint8Array(3), new Uint8Array(4)];
 * const reader = {
 *   read(p: Uint8Array): Promise<number | null> {
 *     const chunk = chunks.shift();
 *     if (!chunk) return Promise.resolve(null);
 *     p.set(chunk);
 *     return Promise.resolve(chunk.length);
 *   },
 * };
 * assert.equal(await readAtLeast(reader, new Uint8Array(10), 5), 7); // 2 bytes past 5
 * ```
 */
export async function readAtLeast(
  reader: Reader,
  buffer: Uint8Array,
  min: number,
  signal?: AbortSignal,
  start = 0,
  onRead?: (filled: number) => void,
): Promise<number> {
  let filled = start;
  try {
    while (filled < min) {
      signal?.throwIfAborted();
      const n = await reader.read(filled === 0 ? buffer : buffer.subarray(filled));
      if (n === null) break;
      filled += n;
      onRead?.(filled);
    }
  } catch (error) {
    signal?.throwIfAborted();
    throw error;
  }
  return filled;
}

/**
 * Reads to the end of the stream and counts the bytes, which are dropped: what a
 * server sends after the echo, until it closes. A reset, or the connection closed on
 * this side (by `signal`'s owner, its deadline, or a stop), ends the count too.
 *
 * @param reader Where the bytes come from.
 * @param buffer Scratch room to read into.
 * @param signal Its abort (the deadline, which closes the connection) ends the count.
 * @returns The bytes read before the end.
 * @throws What the reader threw, other than a reset or a close on this side.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countToEnd } from "./record.ts";
 *
 * let left = 3;
 * const reader = { read: () => Promise.resolve(left-- > 0 ? 2 : null) };
 * assert.equal(await countToEnd(reader, new Uint8Array(2), new AbortController().signal), 6);
 * ```
 */
export async function countToEnd(
  reader: Reader,
  buffer: Uint8Array,
  signal: AbortSignal,
): Promise<number> {
  let count = 0;
  try {
    for (let n = await reader.read(buffer); n !== null; n = await reader.read(buffer)) count += n;
  } catch (error) {
    if (!signal.aborted && !isReset(error) && !closedHere(error)) throw error;
  }
  return count;
}

/** Whether a read or write failed because this side closed the resource (a close we caused). */
export function closedHere(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted;
}
