/**
 * Typed errors with a stable `code`, in the manner of `Deno.errors.*`: the
 * library throws them, the CLI maps each code to a message and an exit code.
 *
 * @module
 */

import type { ConnectAttempt } from "./happy_eyeballs.ts";

/** The stable codes of {@linkcode EchoError}. */
export type ErrorCode =
  | "invalid"
  | "listen"
  | "resolve"
  | "refused"
  | "timeout"
  | "reset"
  | "short"
  | "mismatch"
  | "extra"
  | "tls"
  | "error";

/**
 * An error of echoprobe, identified by its `code`.
 *
 * @example Tell a refused connection from other failures
 * ```ts
 * import assert from "node:assert/strict";
 * import { EchoError } from "./errors.ts";
 *
 * const error: unknown = new EchoError("refused", "Connection refused");
 * assert.ok(error instanceof EchoError && error.code === "refused");
 * ```
 */
export class EchoError extends Error {
  /** What went wrong, as a stable word for scripts and tests. */
  readonly code: ErrorCode;

  /**
   * Makes an error with a stable code.
   *
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
 * A value such as a duration, a size or an address range could not be read. It
 * names the value and what was expected, not where the value came from: the
 * caller (a command line, a query string) knows that.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ValueError } from "./errors.ts";
 *
 * const error = new ValueError("70000", "a whole number from 0 to 65535");
 * assert.equal(error.code, "invalid");
 * assert.equal(error.message, 'Invalid value "70000": expected a whole number from 0 to 65535');
 * ```
 */
export class ValueError extends EchoError {
  /** The text that could not be read. */
  readonly value: string;
  /** What would have been accepted, as a phrase: `a duration above zero such as 30s`. */
  readonly expected: string;

  /**
   * Makes the error of one value.
   *
   * @param value The text that could not be read.
   * @param expected What would have been accepted.
   * @param name What the value is, for the message: `port`, `host`.
   */
  constructor(value: string, expected: string, name = "value") {
    super("invalid", `Invalid ${name} "${value}": expected ${expected}`);
    this.name = "ValueError";
    this.value = value;
    this.expected = expected;
  }
}

/**
 * Why a TLS handshake failed (code `tls`): the certificate expired or is not valid
 * yet, its issuer is not trusted (self-signed included), it is for another name, it
 * is not the pinned one, or the handshake itself failed (an alert, not TLS at all).
 */
export type TlsFailure =
  | "expired"
  | "not-yet-valid"
  | "unknown-issuer"
  | "name-mismatch"
  | "pin-mismatch"
  | "handshake";

/** Details of a failed probe, beyond its code. */
export interface ProbeErrorDetails {
  /** The probe's sequence number. */
  seq: number;
  /** The host as given (a name or an IP literal). */
  host?: string;
  /** The IP address of the connection, or of the one address tried. */
  address?: string;
  /** The server's port. */
  port?: number;
  /** The local `address:port` of the connection, once it was made. */
  local?: string;
  /** The connection attempts of a failed connect, one per address tried. */
  attempts?: ConnectAttempt[];
  /**
   * Bytes echoed back before the failure (codes `timeout`, `short`, `reset`, `mismatch`;
   * for `extra`, all the bytes that came back).
   */
  bytesBack?: number;
  /** Bytes sent in the probe. */
  size?: number;
  /** For code `extra`: bytes that came back beyond those sent. */
  extraBytes?: number;
  /**
   * Where the probe failed: `resolve` (the name), `connect`, `tls` (the handshake) or
   * `echo` (sending and reading back, and what came after). Every failure of a TCP probe
   * has one; a code with one phase only (`resolve`, `refused`, `tls`, `short`, `mismatch`,
   * `extra`) always has it ({@linkcode ProbeError} fills it in).
   */
  phase?: "resolve" | "connect" | "tls" | "echo";
  /** For code `tls`: why the handshake failed. */
  reason?: TlsFailure;
  /** For code `mismatch`: offset of the first differing byte, from 0. */
  offset?: number;
  /** For code `mismatch`: the byte sent at `offset`. */
  expected?: number;
  /** For code `mismatch`: the byte echoed at `offset`. */
  actual?: number;
  /** For code `mismatch`: how many bytes differ (of those that came back). */
  differing?: number;
  /**
   * For code `mismatch` of an echo that came back short (`bytesBack` below `size`): how it
   * ended, as the code it would have failed with had its bytes been right (`short`: the
   * server closed the connection; `reset`; `timeout`; `error`).
   */
  ended?: "short" | "reset" | "timeout" | "error";
}

/** The phase of the codes that can happen in one phase only. */
const CODE_PHASES: Partial<Record<ErrorCode, ProbeErrorDetails["phase"]>> = {
  resolve: "resolve",
  refused: "connect",
  tls: "tls",
  short: "echo",
  mismatch: "echo",
  extra: "echo",
};

/**
 * A probe failed: it could not resolve, connect, or get its bytes back unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProbeError } from "./errors.ts";
 *
 * const error = new ProbeError("short", "Connection closed after 120/250 bytes back", {
 *   seq: 3,
 *   bytesBack: 120,
 *   size: 250,
 * });
 * assert.equal(error.code, "short");
 * assert.equal(error.details.bytesBack, 120);
 * assert.equal(error.details.phase, "echo"); // the one phase a short echo can happen in
 * ```
 */
export class ProbeError extends EchoError {
  /** What is known of the failure. */
  readonly details: ProbeErrorDetails;

  /**
   * Makes the error of one probe.
   *
   * @param code The stable code.
   * @param message One line for people.
   * @param details The sequence number and what is known of the failure; without a
   *   `phase`, a code that happens in one phase only gets that one (`refused`: `connect`).
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
    const phase = details.phase === undefined ? CODE_PHASES[code] : undefined;
    this.details = phase === undefined ? details : { ...details, phase };
  }
}

/**
 * Whether a socket error means the peer reset or aborted the connection (or a
 * write found it gone): the one list of such errors, for the server and the probe.
 *
 * @param error What a read, write or connect threw.
 * @returns `true` for `ConnectionReset`, `ConnectionAborted` and `BrokenPipe`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isReset } from "./errors.ts";
 *
 * assert.equal(isReset(new Deno.errors.ConnectionReset("reset")), true);
 * assert.equal(isReset(new Deno.errors.TimedOut("slow")), false);
 * ```
 */
export function isReset(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.BrokenPipe;
}
