/**
 * The verdict on an echo: the bytes compared, and the error of an echo that came
 * back complete but changed, or with more bytes than sent. An echo that ended before
 * its last byte is lib/echo_problem.ts's.
 *
 * @module
 */

import { ProbeError, type ProbeErrorDetails } from "./errors.ts";
import { compare, type Difference } from "./payload.ts";

/**
 * Whether `echo` holds the same bytes as `payload`: four bytes at a time, the rest
 * one by one. The word views are over the same buffers, made once per prober.
 *
 * @param payload The bytes sent.
 * @param echo The bytes echoed, as long as `payload`.
 * @param payloadWords `payload` as 32-bit words (its length rounded down).
 * @param echoWords `echo` as 32-bit words.
 * @returns `true` when every byte is the same.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { echoMatches } from "./verdict.ts";
 *
 * const payload = new Uint8Array(10).fill(7);
 * const echo = payload.slice();
 * const words = (bytes: Uint8Array) => new Uint32Array(bytes.buffer, 0, bytes.length >> 2);
 * assert.equal(echoMatches(payload, echo, words(payload), words(echo)), true);
 * echo[9] = 8;
 * assert.equal(echoMatches(payload, echo, words(payload), words(echo)), false);
 * ```
 */
export function echoMatches(
  payload: Uint8Array,
  echo: Uint8Array,
  payloadWords: Uint32Array,
  echoWords: Uint32Array,
): boolean {
  const words = payloadWords.length;
  for (let i = 0; i < words; i++) {
    if (payloadWords[i] !== echoWords[i]) return false;
  }
  for (let i = words * 4; i < payload.length; i++) {
    if (payload[i] !== echo[i]) return false;
  }
  return true;
}

/**
 * A prober's payload and echo buffers (the echo with room past it, to see bytes that
 * follow), and their comparison: made once per prober, reused by every probe.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EchoBuffers } from "./verdict.ts";
 *
 * const buffers = new EchoBuffers(6, 64);
 * buffers.payload.set([1, 2, 3, 4, 5, 6]);
 * buffers.echo.set([1, 2, 3, 4, 5, 6, 7]); // the 7 is past the echo: not compared
 * assert.equal(buffers.difference(), undefined);
 * buffers.echo[5] = 9;
 * assert.deepEqual(buffers.difference(), { offset: 5, expected: 6, actual: 9, differing: 1 });
 * ```
 */
export class EchoBuffers {
  /** The bytes to send. */
  readonly payload: Uint8Array;
  /** Where the echo is read: the payload's length, and the room past it. */
  readonly echo: Uint8Array;
  /** The room past the echo, to read what follows it into. */
  readonly slack: Uint8Array;
  readonly #payloadWords: Uint32Array;
  readonly #echoWords: Uint32Array;

  /**
   * Allocates the buffers.
   *
   * @param size Bytes of the payload, and of its echo.
   * @param slack Bytes of room past the echo.
   */
  constructor(size: number, slack: number) {
    this.payload = new Uint8Array(size);
    this.echo = new Uint8Array(size + slack);
    this.slack = this.echo.subarray(size);
    this.#payloadWords = new Uint32Array(this.payload.buffer, 0, size >> 2);
    this.#echoWords = new Uint32Array(this.echo.buffer, 0, size >> 2);
  }

  /**
   * Compares the echo with the payload, over the payload's length.
   *
   * @returns `undefined` when they are equal, else where they differ.
   */
  difference(): Difference | undefined {
    return echoMatches(this.payload, this.echo, this.#payloadWords, this.#echoWords)
      ? undefined
      : compare(this.payload, this.echo);
  }

  /**
   * Compares the first `bytesBack` bytes of the echo with those of the payload: the part
   * of an echo that came back before it ended short.
   *
   * @param bytesBack Bytes of the echo read.
   * @returns `undefined` when they are equal (or none came back), else where they differ.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EchoBuffers } from "./verdict.ts";
   *
   * const buffers = new EchoBuffers(6, 64);
   * buffers.payload.set([1, 2, 3, 4, 5, 6]);
   * buffers.echo.set([1, 9]); // two bytes back, the second changed
   * assert.equal(buffers.differenceWithin(1), undefined);
   * assert.deepEqual(buffers.differenceWithin(2), { offset: 1, expected: 2, actual: 9, differing: 1 });
   * ```
   */
  differenceWithin(bytesBack: number): Difference | undefined {
    return compare(this.payload.subarray(0, bytesBack), this.echo);
  }
}

/**
 * The error of an echo that came back complete but changed.
 *
 * @param difference Where the bytes differ.
 * @param size Bytes sent.
 * @param where The probe's `seq`, and where it was: `host`, `address`, `port`, `local`.
 * @returns A `mismatch` error with the offset, the two bytes and the count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mismatchError } from "./verdict.ts";
 *
 * const error = mismatchError({ offset: 17, expected: 0x4f, actual: 0xb0, differing: 1 }, 250, { seq: 4 });
 * assert.equal(error.message, "Echo mismatch at byte 17 (sent 0x4f, got 0xb0; 1 of 250 bytes differ)");
 * ```
 */
export function mismatchError(
  difference: Difference,
  size: number,
  where: ProbeErrorDetails,
): ProbeError {
  return new ProbeError(
    "mismatch",
    mismatchWords(difference, `${size} bytes`),
    { ...where, size, bytesBack: size, ...difference, phase: "echo" },
  );
}

/**
 * The words of a mismatch: where the bytes differ, and how many of those compared.
 *
 * @param difference Where the bytes differ.
 * @param compared What was compared: `250 bytes`, `20 bytes back`.
 * @returns `Echo mismatch at byte 17 (sent 0x4f, got 0xb0; 1 of 250 bytes differ)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mismatchWords } from "./verdict.ts";
 *
 * const difference = { offset: 0, expected: 0x4f, actual: 0x48, differing: 18 };
 * assert.equal(
 *   mismatchWords(difference, "20 bytes back"),
 *   "Echo mismatch at byte 0 (sent 0x4f, got 0x48; 18 of 20 bytes back differ)",
 * );
 * ```
 */
export function mismatchWords(difference: Difference, compared: string): string {
  const { offset, differing, expected, actual } = difference;
  return `Echo mismatch at byte ${offset} (sent ${hex(expected)}, got ${
    hex(actual)
  }; ${differing} of ${compared} differ)`;
}

/**
 * The error of an echo that came back with more bytes than were sent: the echo
 * itself was exact, and `extraBytes` followed it before the server closed (a new
 * connection) or before the next probe was sent (a kept one).
 *
 * @param size Bytes sent.
 * @param extraBytes Bytes that came back beyond them.
 * @param where The probe's `seq`, and where it was: `host`, `address`, `port`, `local`.
 * @returns An `extra` error with the count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { extraError } from "./verdict.ts";
 *
 * const error = extraError(250, 5, { seq: 1 });
 * assert.equal(error.code, "extra");
 * assert.equal(error.message, "5 bytes more than sent came back (255/250 bytes back)");
 * assert.equal(error.details.extraBytes, 5);
 * ```
 */
export function extraError(size: number, extraBytes: number, where: ProbeErrorDetails): ProbeError {
  const bytesBack = size + extraBytes;
  return new ProbeError(
    "extra",
    `${extraBytes} ${
      extraBytes === 1 ? "byte" : "bytes"
    } more than sent came back (${bytesBack}/${size} bytes back)`,
    { ...where, size, bytesBack, extraBytes, phase: "echo" },
  );
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}
