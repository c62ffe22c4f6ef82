/**
 * A connection's buffers: a small first one (kept for reuse when the connection
 * closes), grown as bytes arrive, and given back when a large record is echoed.
 *
 * @module
 */

import type { EchoMode } from "./echo.ts";

/**
 * Records of up to this many bytes get plain buffers, and are read together (into a
 * buffer of up to {@linkcode MAX_BATCH_SIZE}); a larger record's buffer is resizable,
 * grows to one record, and shrinks once the record is echoed.
 */
export const MAX_BUFFER_SIZE = 64 * 1024;
/**
 * The largest buffer records of up to {@linkcode MAX_BUFFER_SIZE} are read together
 * into. 256 KiB rather than 64: under 8 streams of 16 KiB writes, 14% more
 * throughput (2,037 against 1,779 MB/s) at 13% less CPU time per MB echoed.
 */
export const MAX_BATCH_SIZE = 256 * 1024;
/** The first buffer of a stream-mode connection. */
const STREAM_FIRST_SIZE = 4 * 1024;
/**
 * The largest first buffer: a record larger than this grows its buffer as its bytes
 * arrive, so a peer that sends little holds little.
 */
const MAX_FIRST_SIZE = 16 * 1024;
/**
 * First buffers of closed connections kept for new ones: allocating a buffer costs
 * about 0.7 us, a few per cent of a connection's CPU time under connection churn.
 * At most 256 x 16 KiB = 4 MiB are kept.
 */
const SPARE_BUFFERS = 256;

/**
 * The size of a connection's first buffer: one record, up to 16 KiB (4 KiB in stream mode).
 *
 * @param mode Record or stream echo.
 * @param recordSize Bytes in one record.
 * @returns Bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { firstBufferSize } from "./buffers.ts";
 *
 * assert.equal(firstBufferSize("record", 250), 250);
 * assert.equal(firstBufferSize("record", 64 * 1024 * 1024), 16 * 1024);
 * assert.equal(firstBufferSize("stream", 250), 4096);
 * ```
 */
export function firstBufferSize(mode: EchoMode, recordSize: number): number {
  return mode === "stream" ? STREAM_FIRST_SIZE : Math.min(recordSize, MAX_FIRST_SIZE);
}

/**
 * Hands out first buffers. Records of up to 64 KiB get plain buffers, kept for reuse
 * when their connection closes (only first buffers, at most 256). A larger record
 * gets a resizable buffer that grows in place up to one record and shrinks back
 * once the record is echoed: V8 reserves address space for it and the pages come
 * and go with `resize()`, so the memory is back with the system at once. (Plain
 * buffers of megabytes, allocated and freed, stayed with the C allocator: after
 * 24 peers sent 8 MiB records, RSS stayed 21 MiB up, against 0.1 MiB this way.)
 */
export class BufferPool {
  /** Size of a connection's first buffer. */
  readonly firstSize: number;
  /** The largest a buffer grows to (one record), when buffers are resizable. */
  readonly #resizableTo: number | undefined;
  readonly #spare: Uint8Array<ArrayBuffer>[] = [];

  /**
   * Makes an empty pool.
   *
   * @param settings The record size and the mode decide the first buffer's size.
   */
  constructor(settings: { mode: EchoMode; recordSize: number }) {
    this.firstSize = firstBufferSize(settings.mode, settings.recordSize);
    if (settings.mode === "record" && settings.recordSize > MAX_BUFFER_SIZE) {
      this.#resizableTo = settings.recordSize;
    }
  }

  /** @returns A first buffer: a spare one, or a new one. */
  take(): Uint8Array<ArrayBuffer> {
    if (this.#resizableTo !== undefined) {
      return new Uint8Array(new ArrayBuffer(this.firstSize, { maxByteLength: this.#resizableTo }));
    }
    return this.#spare.pop() ?? new Uint8Array(this.firstSize);
  }

  /**
   * Keeps a buffer no one uses any more if it is a plain first buffer and there is
   * room; frees a resizable one at once.
   *
   * @param buffer The buffer.
   */
  give(buffer: Uint8Array<ArrayBuffer>): void {
    if (buffer.buffer.resizable) {
      buffer.buffer.transfer(0); // detached: its memory and address space are freed now
    } else if (buffer.length === this.firstSize && this.#spare.length < SPARE_BUFFERS) {
      this.#spare.push(buffer);
    }
  }
}

/**
 * A buffer of `size` bytes that starts with the first `kept` bytes of `buffer`: the
 * same buffer, resized in place, when it is resizable; else a new one.
 *
 * @param buffer The buffer outgrown.
 * @param size The new size.
 * @param kept Bytes to carry over from the start of `buffer`.
 * @returns The larger buffer.
 */
export function growBuffer(
  buffer: Uint8Array<ArrayBuffer>,
  size: number,
  kept: number,
): Uint8Array<ArrayBuffer> {
  if (buffer.buffer.resizable) {
    buffer.buffer.resize(size); // the view tracks the buffer's length
    return buffer;
  }
  const larger = new Uint8Array(size);
  larger.set(kept === buffer.length ? buffer : buffer.subarray(0, kept));
  return larger;
}

/**
 * A first-size buffer in place of a grown one that holds nothing to keep: a
 * resizable buffer shrinks in place (its pages go back to the system), a plain one
 * is given to `pool` for a first buffer.
 *
 * @param buffer The grown buffer; it holds no bytes to keep.
 * @param pool Where first buffers come from.
 * @returns A buffer of the pool's first size.
 */
export function shrinkBuffer(
  buffer: Uint8Array<ArrayBuffer>,
  pool: BufferPool,
): Uint8Array<ArrayBuffer> {
  if (buffer.buffer.resizable) {
    buffer.buffer.resize(pool.firstSize);
    return buffer;
  }
  pool.give(buffer);
  return pool.take();
}
