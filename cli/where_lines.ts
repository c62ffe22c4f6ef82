/**
 * What the client prints of where a probe went: its connection attempts over a name's
 * addresses (as JSON, and the `(after ::1 refused)` words of a line), and a failed
 * probe's line or JSON object, which says where it failed. Pure.
 *
 * @module
 */

import { formatHostPort } from "../lib/address.ts";
import type { ProbeError } from "../lib/errors.ts";
import type { ConnectAttempt } from "../lib/happy_eyeballs.ts";
import type { LineStyle } from "./client_lines.ts";
import { red, roundMs } from "./text.ts";

/**
 * Connection attempts for JSON: each one's address, how it failed (if it did), its time.
 *
 * @param attempts The attempts, in order.
 * @returns `[{"address":"::1","error":"refused","ms":0.2},{"address":"127.0.0.1","ms":0.1}]`.
 */
export function jsonAttempts(
  attempts: readonly ConnectAttempt[],
): { address: string; error?: string; ms: number }[] {
  return attempts.map(({ address, error, ms }) => ({
    address,
    ...(error ? { error } : {}),
    ms: roundMs(ms),
  }));
}

/**
 * The words a success's line ends with when attempts before the one that answered
 * failed (those cancelled once it answered are left out).
 *
 * @param attempts The attempts of a new connection, or none (a kept one).
 * @returns ` (after ::1 refused)`, or `""`.
 */
export function formatAttemptsAfter(attempts: readonly ConnectAttempt[] | undefined): string {
  const failed = attempts?.filter((attempt) => attempt.error && attempt.error !== "cancelled");
  return failed?.length
    ? ` (after ${failed.map(({ address, error }) => `${address} ${error}`).join(", ")})`
    : "";
}

/**
 * The line of a failed probe, or its JSON object. The line says where:
 * `seq=2 127.0.0.1:3005 connection refused`, the address and port (the host as given
 * when no address is known, as for a name that does not resolve) before the message,
 * and `local=` after it once a connection was made.
 *
 * @param error What the probe failed with.
 * @param timestamp When the probe started.
 * @param style JSON or text, coloured or not.
 * @returns The line, or the JSON object (`"type":"probe"`, `"ok":false`).
 */
export function formatFailure(error: ProbeError, timestamp: Date, style: LineStyle): string {
  const { seq, host, address, port, local, attempts, ...details } = error.details;
  if (style.json) {
    return JSON.stringify({
      type: "probe",
      seq,
      timestamp: timestamp.toISOString(),
      ok: false,
      error: {
        code: error.code,
        message: error.message,
        host,
        address,
        port,
        local,
        ...(attempts ? { attempts: jsonAttempts(attempts) } : {}),
        ...details,
      },
    });
  }
  // "Connection refused" reads "connection refused"; "TLS handshake failed" stays as it is.
  const message = /^[A-Z][a-z]/.test(error.message)
    ? error.message.charAt(0).toLowerCase() + error.message.slice(1)
    : error.message;
  const target = address ?? host;
  const where = target === undefined
    ? ""
    : port === undefined
    ? `${target} `
    : `${formatHostPort(target, port)} `;
  const line = `seq=${seq} ${where}${message}${local ? ` local=${local}` : ""}`;
  return style.color ? red(line) : line;
}
