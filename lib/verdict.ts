/**
 * The verdict on an echo: the bytes compared, and the error of an echo that
 * failed, came back short or came back changed.
 *
 * @module
 */

import { isReset, ProbeError } from "./errors.ts";
import type { Difference } from "./payload.ts";
import { formatDuration } from "./units.ts";

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

/** What is known of an echo that did not complete. */
export interface EchoState {
  /** Bytes of the echo read. */
  bytesBack: number;
  /** Bytes sent. */
  size: number;
  /** The echo's deadline: aborted means it timed out. */
  signal: AbortSignal;
  /** The deadline's length, for the message. */
  timeoutMs: number;
}

/**
 * The error of an echo that failed or came back short.
 *
 * @param state The bytes back and the deadline.
 * @param seq The probe's sequence number.
 * @param failure What the read or write threw, or `undefined` when the server closed.
 * @returns A `timeout`, `reset`, `error` or `short` error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { echoProblem } from "./verdict.ts";
 *
 * const state = { bytesBack: 100, size: 250, signal: new AbortController().signal, timeoutMs: 1000 };
 * const error = echoProblem(state, 4, undefined);
 * assert.equal(error.code, "short");
 * assert.equal(error.message, "Connection closed by the server (100/250 bytes back)");
 * ```
 */
export function echoProblem(state: EchoState, seq: number, failure: unknown): ProbeError {
  const { bytesBack, size, signal } = state;
  const back = `${bytesBack}/${size} bytes back`;
  if (signal.aborted) {
    return new ProbeError(
      "timeout",
      `Timeout after ${formatDuration(state.timeoutMs)} waiting for echo (${back})`,
      { seq, size, bytesBack, phase: "echo" },
    );
  }
  if (failure !== undefined) {
    const reset = isReset(failure);
    return new ProbeError(
      reset ? "reset" : "error",
      reset ? `Connection reset (${back})` : `Echo failed (${back}): ${(failure as Error).message}`,
      { seq, size, bytesBack },
      { cause: failure },
    );
  }
  return new ProbeError("short", `Connection closed by the server (${back})`, {
    seq,
    size,
    bytesBack,
  });
}

/**
 * The error of an echo that came back complete but changed.
 *
 * @param difference Where the bytes differ.
 * @param size Bytes sent.
 * @param seq The probe's sequence number.
 * @returns A `mismatch` error with the offset, the two bytes and the count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mismatchError } from "./verdict.ts";
 *
 * const error = mismatchError({ offset: 17, expected: 0x4f, actual: 0xb0, differing: 1 }, 250, 4);
 * assert.equal(error.message, "Echo mismatch at byte 17 (sent 0x4f, got 0xb0; 1 of 250 bytes differ)");
 * ```
 */
export function mismatchError(difference: Difference, size: number, seq: number): ProbeError {
  const { offset, differing, expected, actual } = difference;
  return new ProbeError(
    "mismatch",
    `Echo mismatch at byte ${offset} (sent ${hex(expected)}, got ${
      hex(actual)
    }; ${differing} of ${size} bytes differ)`,
    { seq, size, bytesBack: size, ...difference },
  );
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}
