/**
 * The lines a running server writes to stdout and stderr: bounded, batched, and
 * written so that serving never waits for them.
 *
 * @module
 */

import { isOutputGone } from "./output.ts";

const encoder = new TextEncoder();

/**
 * Most bytes of lines waiting for a running server's stderr, or stdout: about 3,000
 * connection lines. Beyond it, lines are dropped and counted.
 */
export const LINE_BUFFER_BYTES = 256 * 1024;
/** How long a batched log line may wait for others to be written with it. */
const LOG_FLUSH_MS = 100;
/** Batched text that is written at once, without waiting for the batch timer. */
const LOG_FLUSH_BYTES = 64 * 1024;

/** Writes of a {@linkcode LineQueue} in progress, in this process. */
let writesInProgress = 0;

/**
 * Whether a write to stdout or stderr is still in progress: one that nobody reads
 * never ends, and it would keep the process alive (see {@linkcode LineQueue}).
 *
 * @returns `true` while a {@linkcode LineQueue} write has not completed.
 */
export function writesPending(): boolean {
  return writesInProgress > 0;
}

/** Where a {@linkcode LineQueue} writes: `Deno.stdout`, `Deno.stderr`, or a test's writer. */
export interface LineOutput {
  /** Writes some bytes of `p` (at least one) and returns how many. */
  write(p: Uint8Array): Promise<number>;
}

/** How a {@linkcode LineQueue} batches and bounds its lines. */
export interface LineQueueOptions {
  /**
   * How long a line may wait for others to be written with it; 0 writes at once.
   * @default {100}
   */
  batchMs?: number;
  /**
   * Bytes of lines (UTF-8) that may wait, the write in progress included.
   * @default {262144}
   */
  capacity?: number;
}

/**
 * Lines for stdout or stderr of a running server, written so that the server never
 * waits for them: one asynchronous write at a time, of every line waiting; lines
 * beyond `capacity` are dropped and counted; a closed output ends the writing, not
 * the server.
 *
 * Measured with Deno 2.9.6 on Linux, writing to a pipe: `Deno.stderr.writeSync()`
 * blocks the event loop while the pipe is full (a reader that stops reading froze
 * the server: no connection served, no timer fired). `await Deno.stderr.write()`
 * runs the write on a blocking thread, one at a time per stream (later writes
 * queue behind it), and the event loop keeps turning; on a pipe nobody reads it
 * stays pending for good once the pipe's 64 KiB are full, and keeps the process
 * alive (closing the stream does not end it; `Deno.exit()` does). That pending
 * write holds Rust's lock of the stream, so a `writeSync()` to the same stream
 * would block the event loop too: the running server makes none. A pipe whose
 * reader is gone fails the write with `BrokenPipe` (SIGPIPE is ignored), a hung-up
 * terminal with EIO.
 *
 * A line is encoded into the queue's bytes as it is written, not kept as a string
 * until its batch goes: strings that waited for their batch (up to 100 ms) outlived
 * V8's minor collections, and under 32 loops of new connections a line per connection
 * cost the server 1.1 us of CPU time per connection against `--log none`. The bytes
 * are two buffers of `capacity` (pages the lines never reach stay untouched): one
 * being written, the other filling.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LineQueue } from "./line_queue.ts";
 *
 * const chunks: string[] = [];
 * const output = {
 *   write(p: Uint8Array): Promise<number> {
 *     chunks.push(new TextDecoder().decode(p));
 *     return Promise.resolve(p.length);
 *   },
 * };
 * using lines = new LineQueue(output, { capacity: 12 });
 * lines.write("first");
 * lines.write("second"); // 6 + 7 bytes: more than 12 wait
 * await lines.drain(1_000);
 * assert.deepEqual(chunks, ["first\n"]);
 * assert.equal(lines.dropped, 1);
 * ```
 */
export class LineQueue implements Disposable {
  readonly #output: LineOutput;
  readonly #batchMs: number;
  readonly #capacity: number;
  /** Where lines wait, encoded, newline after each: bytes 0 to `#waiting`. */
  #filling: Uint8Array;
  /** The other buffer: the one being written, or the next to fill. */
  #spare: Uint8Array;
  /** Lines waiting, and their bytes. */
  #lines = 0;
  #waiting = 0;
  #writing: Promise<void> | undefined;
  #writingLines = 0;
  #writingSize = 0;
  /** Writes completed, in part or whole: a drain gives up when this stops moving. */
  #progress = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #dropped = 0;
  #closed = false;
  readonly #start = () => this.#startWrite();

  /**
   * Makes an empty queue.
   *
   * @param output Where the lines go.
   * @param options Batching and the bound; see {@linkcode LineQueueOptions}.
   */
  constructor(output: LineOutput, options: LineQueueOptions = {}) {
    this.#output = output;
    this.#batchMs = options.batchMs ?? LOG_FLUSH_MS;
    this.#capacity = options.capacity ?? LINE_BUFFER_BYTES;
    this.#filling = new Uint8Array(this.#capacity);
    this.#spare = new Uint8Array(this.#capacity);
  }

  /** Lines dropped: beyond the bound, or lost with an output that is gone. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Whether the output is gone (or given up): later lines are dropped. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Adds a line, written within `batchMs` unless the queue is full (then it is dropped).
   *
   * @param line One line, without the newline.
   */
  write(line: string): void {
    const room = this.#capacity - this.#writingSize - this.#waiting;
    // Each character takes at least a byte: a line longer than the room cannot fit.
    if (this.#closed || line.length + 1 > room) {
      this.#dropped++;
      return;
    }
    const into = this.#filling.subarray(this.#waiting, this.#waiting + room - 1);
    const { read, written } = encoder.encodeInto(line, into);
    if (read < line.length) {
      this.#dropped++; // characters of more than one byte took the room
      return;
    }
    this.#filling[this.#waiting + written] = 10; // the newline
    this.#waiting += written + 1;
    this.#lines++;
    if (this.#writing) return; // the lines go out when the write in progress ends
    if (this.#batchMs === 0 || this.#waiting >= LOG_FLUSH_BYTES) this.#startWrite();
    else this.#timer ??= setTimeout(this.#start, this.#batchMs);
  }

  /**
   * Writes what waits and waits for it, as long as the output takes bytes: it gives
   * up (and counts what was not written as dropped) when a write makes no progress
   * for `stallMs`.
   *
   * @param stallMs How long a write may make no progress.
   * @throws What a write threw, other than the output being gone.
   */
  async drain(stallMs: number): Promise<void> {
    this.#startWrite();
    while (this.#writing) {
      const progress = this.#progress;
      if (await settledWithin(this.#writing, stallMs)) this.#startWrite();
      else if (this.#progress === progress) break;
    }
    if (this.#writing) this.#giveUp();
  }

  /** Stops the batch timer; lines still waiting are counted as dropped. */
  [Symbol.dispose](): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dropped += this.#lines;
    this.#lines = 0;
    this.#waiting = 0;
  }

  #startWrite(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#writing || this.#lines === 0) return;
    const bytes = this.#filling.subarray(0, this.#waiting);
    this.#writingLines = this.#lines;
    this.#writingSize = this.#waiting;
    [this.#filling, this.#spare] = [this.#spare, this.#filling];
    this.#lines = 0;
    this.#waiting = 0;
    this.#writing = this.#writeAll(bytes);
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    writesInProgress++;
    try {
      for (let written = 0; written < bytes.length; this.#progress++) {
        written += await this.#output.write(written === 0 ? bytes : bytes.subarray(written));
      }
    } catch (error) {
      if (error instanceof Deno.errors.WouldBlock) {
        // A non-blocking descriptor that is full: this batch is lost, later ones may pass.
        this.#dropped += this.#writingLines;
      } else if (isOutputGone(error) || isSystemError(error)) {
        // Gone (a reader that left, a hung-up terminal) or failing (a full disk): either
        // way this output takes no more, and serving goes on without it.
        this.#giveUp();
      } else {
        throw error; // not the output's doing: a bug, to be seen
      }
    } finally {
      writesInProgress--;
      this.#writing = undefined;
      this.#writingLines = 0;
      this.#writingSize = 0;
    }
    // Lines that came meanwhile: at once if they are many, else with the batch timer.
    if (this.#lines === 0 || this.#closed) return;
    if (this.#batchMs === 0 || this.#waiting >= LOG_FLUSH_BYTES) this.#startWrite();
    else this.#timer ??= setTimeout(this.#start, this.#batchMs);
  }

  /** The output is gone, or waiting for it was given up: what waits is lost. */
  #giveUp(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dropped += this.#writingLines + this.#lines;
    this.#writingLines = 0;
    this.#lines = 0;
    this.#waiting = 0;
  }
}

/** An error of the operating system (`ENOSPC`, `EIO`, ...): it carries the errno's name. */
function isSystemError(error: unknown): boolean {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "string";
}

/**
 * Waits for `promise` up to `ms`.
 *
 * @returns `true` when it settled in time; rejects when it rejected.
 */
function settledWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    }, (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
