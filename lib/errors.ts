/**
 * Typed errors with a stable `code`, in the manner of `Deno.errors.*`: the
 * library throws them, the CLI maps each code to a message and an exit code.
 *
 * @module
 */

/** The stable codes of {@linkcode EchoError}. */
export type ErrorCode =
  | "usage"
  | "permission"
  | "listen"
  | "resolve"
  | "refused"
  | "timeout"
  | "reset"
  | "short"
  | "mismatch"
  | "error";

/**
 * An error of echoprobe, identified by its `code`.
 *
 * @example Tell a refused connection from other failures
 * ```ts
 * import { EchoError } from "./errors.ts";
 *
 * const error: unknown = new EchoError("refused", "Connection refused");
 * if (error instanceof EchoError && error.code === "refused") {
 *   // the port is closed
 * }
 * ```
 */
export class EchoError extends Error {
  /** What went wrong, as a stable word for scripts and tests. */
  readonly code: ErrorCode;

  /**
   * @param code The stable code.
   * @param message One line for people: a capital first letter, no final period.
   * @param options The underlying error, as `cause`.
   */
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EchoError";
    this.code = code;
  }
}

/**
 * A value given by the user is not allowed: a bad flag, a bad value, a missing argument.
 *
 * @example
 * ```ts
 * import { UsageError } from "./errors.ts";
 *
 * const error = new UsageError('Invalid --port "70000": expected 0 to 65535');
 * console.assert(error.code === "usage");
 * ```
 */
export class UsageError extends EchoError {
  /** @param message One line naming the flag and what is allowed. */
  constructor(message: string) {
    super("usage", message);
    this.name = "UsageError";
  }
}

/** Details of a failed probe, beyond its code. */
export interface ProbeErrorDetails {
  /** The probe's sequence number. */
  seq: number;
  /** Bytes echoed back before the failure (codes `timeout`, `short`, `reset`, `mismatch`). */
  bytesBack?: number;
  /** Bytes sent in the probe. */
  size?: number;
  /** For code `timeout`: what was timed out. */
  phase?: "connect" | "echo";
  /** For code `mismatch`: offset of the first differing byte, from 0. */
  offset?: number;
  /** For code `mismatch`: the byte sent at `offset`. */
  expected?: number;
  /** For code `mismatch`: the byte echoed at `offset`. */
  actual?: number;
  /** For code `mismatch`: how many bytes differ. */
  differing?: number;
}

/**
 * A probe failed: it could not resolve, connect, or get its bytes back unchanged.
 *
 * @example
 * ```ts
 * import { ProbeError } from "./errors.ts";
 *
 * const error = new ProbeError("short", "Connection closed after 120/250 bytes back", {
 *   seq: 3,
 *   bytesBack: 120,
 *   size: 250,
 * });
 * ```
 */
export class ProbeError extends EchoError {
  /** What is known of the failure. */
  readonly details: ProbeErrorDetails;

  /**
   * @param code The stable code.
   * @param message One line for people.
   * @param details The sequence number and what is known of the failure.
   * @param options The underlying error, as `cause`.
   */
  constructor(
    code: ErrorCode,
    message: string,
    details: ProbeErrorDetails,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.name = "ProbeError";
    this.details = details;
  }
}
