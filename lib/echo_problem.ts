/**
 * The error of an echo that ended before its last byte came back: the server closed or
 * reset the connection, the echo's timeout passed, a read or write failed, or a series'
 * deadline cut the probe short. The bytes that did come back are compared: changed ones
 * make it a `mismatch` (they are no echo), which says how the echo ended.
 *
 * @module
 */

import { isReset, ProbeError, type ProbeErrorDetails } from "./errors.ts";
import type { Difference } from "./payload.ts";
import { formatDuration } from "./units.ts";
import { type EchoBuffers, mismatchWords } from "./verdict.ts";

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
 * The error of an echo that failed or came back short. When the bytes that did come
 * back differ from those sent, it is a `mismatch` all the same (they are not an echo),
 * whose message and `ended` say how the echo ended. A connection closed or reset before
 * any byte came back is what a server that refuses connections at accept shows: the
 * message says so.
 *
 * @param state The bytes back and the deadline.
 * @param where The probe's `seq`, and where it was: `host`, `address`, `port`, `local`.
 * @param failure What the read or write threw, or `undefined` when the server closed.
 * @param buffers The payload and the echo, to compare the bytes that came back; without
 *   them, they are not compared.
 * @returns A `timeout`, `reset`, `error` or `short` error, or a `mismatch`; phase `echo`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { echoProblem } from "./echo_problem.ts";
 * import { EchoBuffers } from "./verdict.ts";
 *
 * const buffers = new EchoBuffers(250, 250);
 * buffers.payload.fill(0x4f);
 * buffers.echo.fill(0x4f, 0, 100); // 100 bytes came back, then the server closed
 * const state = { bytesBack: 100, size: 250, signal: new AbortController().signal, timeoutMs: 1000 };
 * const error = echoProblem(state, { seq: 4 }, undefined, buffers);
 * assert.equal(error.code, "short");
 * assert.equal(error.message, "Connection closed by the server (100/250 bytes back)");
 * buffers.echo[7] = 0x48;
 * const changed = echoProblem(state, { seq: 4 }, undefined, buffers);
 * assert.equal(changed.code, "mismatch");
 * assert.equal(
 *   changed.message,
 *   "Echo mismatch at byte 7 (sent 0x4f, got 0x48; 1 of 100 bytes back differ), then connection closed by the server (100/250 bytes back)",
 * );
 * assert.equal(changed.details.ended, "short");
 * ```
 */
export function echoProblem(
  state: EchoState,
  where: ProbeErrorDetails,
  failure: unknown,
  buffers?: EchoBuffers,
): ProbeError {
  const { bytesBack, size, signal } = state;
  const difference = buffers?.differenceWithin(bytesBack);
  const back = `${bytesBack}/${size} bytes back`;
  const details: ProbeErrorDetails = { ...where, size, bytesBack, phase: "echo" };
  if (signal.aborted) {
    return echoEnded(
      "timeout",
      `Timeout after ${formatDuration(state.timeoutMs)} waiting for echo (${back})`,
      details,
      difference,
    );
  }
  if (failure !== undefined) {
    const reset = isReset(failure);
    return echoEnded(
      reset ? "reset" : "error",
      reset
        ? `Connection reset${nothingBack(bytesBack, back)}`
        : `Echo failed (${back}): ${(failure as Error).message}`,
      details,
      difference,
      { cause: failure },
    );
  }
  return echoEnded(
    "short",
    `Connection closed by the server${nothingBack(bytesBack, back)}`,
    details,
    difference,
  );
}

/**
 * The words after "Connection closed by the server" or "Connection reset": the bytes back,
 * and, when none came back, what a server that refuses connections at accept looks like.
 */
function nothingBack(bytesBack: number, back: string): string {
  return bytesBack === 0
    ? ` before any byte came back (${back}): a connection limit or allow list may have refused it`
    : ` (${back})`;
}

/**
 * The error of an echo that ended before its last byte: with `code` and `message`, or a
 * `mismatch` when the bytes that came back before the end differ from those sent.
 */
function echoEnded(
  code: "timeout" | "reset" | "error" | "short",
  message: string,
  details: ProbeErrorDetails,
  difference: Difference | undefined,
  options?: ErrorOptions,
): ProbeError {
  if (!difference) return new ProbeError(code, message, details, options);
  const then = message.charAt(0).toLowerCase() + message.slice(1);
  return new ProbeError(
    "mismatch",
    `${mismatchWords(difference, `${details.bytesBack} bytes back`)}, then ${then}`,
    { ...details, ...difference, ended: code },
    options,
  );
}

/**
 * The error of a probe that its run's deadline cut short (a series' `deadlineMs`): a
 * `timeout` in the phase it was in, whose message says the deadline ended it; a
 * `mismatch` when the bytes of the echo that came back before it differ from those sent.
 *
 * @param where Where the probe was (`Prober.cutShort`): `seq`, `host`, `port`,
 *   `address` and `local` once known, `phase`; in the echo `size` and `bytesBack`, and the
 *   difference (`offset`, `expected`, `actual`, `differing`) when the bytes back differ.
 * @param deadlineMs The deadline's length, for the message.
 * @returns The error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deadlineProblem } from "./echo_problem.ts";
 *
 * const error = deadlineProblem({ seq: 3, phase: "echo", size: 250, bytesBack: 0 }, 1000);
 * assert.equal(error.code, "timeout");
 * assert.equal(error.message, "Deadline of 1s reached waiting for echo (0/250 bytes back)");
 * assert.equal(error.details.phase, "echo");
 * ```
 */
export function deadlineProblem(where: ProbeErrorDetails, deadlineMs: number): ProbeError {
  const reached = `Deadline of ${formatDuration(deadlineMs)} reached`;
  const { phase, offset, expected, actual, differing } = where;
  switch (phase) {
    case "resolve":
      return new ProbeError("timeout", `${reached} resolving "${where.host}"`, where);
    case "connect":
      return new ProbeError("timeout", `${reached} connecting`, where);
    case "tls":
      return new ProbeError("timeout", `${reached} in the TLS handshake`, where);
    default: {
      const message = `${reached} waiting for echo (${where.bytesBack ?? 0}/${
        where.size ?? 0
      } bytes back)`;
      const difference = offset !== undefined && expected !== undefined &&
          actual !== undefined && differing !== undefined
        ? { offset, expected, actual, differing }
        : undefined;
      return echoEnded("timeout", message, { ...where, phase: "echo" }, difference);
    }
  }
}
