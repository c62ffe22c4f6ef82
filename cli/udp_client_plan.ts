/**
 * What `--udp` allows of the client's other flags: a datagram's size, and no
 * connection to keep.
 *
 * @module
 */

import { MAX_DATAGRAM_BYTES, UDP_HEADER_BYTES } from "../lib/udp_datagram.ts";
import type { ClientPlan, ClientValues } from "./client_plan.ts";
import { UsageError } from "./exit.ts";

/** Flags of a TCP connection: TLS, connect-only, the attempts over a name's addresses. */
const CONNECTION_FLAGS = [
  "tls",
  "ca",
  "sni",
  "insecure-skip-verify",
  "pin-sha256",
  "connect-only",
  "attempt-delay",
] as const;

/**
 * Checks the client's flags for a UDP run.
 *
 * @param values The client's flags.
 * @param plan The plan made of them.
 * @returns `true`, for `plan.udp`.
 * @throws {UsageError} For `--reuse` or `--resolve`, a flag of a connection (TLS,
 *   `--connect-only`, `--attempt-delay`), a `--size` a datagram cannot have, or
 *   `--concurrency` with `--rate`, naming the flag.
 */
export function checkUdpFlags(values: ClientValues, plan: ClientPlan): true {
  if (values.reuse) {
    throw new UsageError("--reuse does not go with --udp: there is no connection to keep");
  }
  // Refused, not ignored: a run with --tls would otherwise be taken for a verified one.
  const connection = CONNECTION_FLAGS.filter((name) => values[name] !== undefined);
  if (connection.length > 0) {
    throw new UsageError(
      `--${connection.join(", --")} ${
        connection.length > 1 ? "do" : "does"
      } not go with --udp: a datagram has no connection (no TLS, no connect, one address)`,
    );
  }
  if (values.resolve) {
    throw new UsageError("--resolve does not go with --udp: the name is resolved once");
  }
  const size = plan.series.size;
  if (size !== undefined && !(size >= UDP_HEADER_BYTES && size <= MAX_DATAGRAM_BYTES)) {
    throw new UsageError(
      `Invalid --size "${values.size}": expected ${UDP_HEADER_BYTES} to ${MAX_DATAGRAM_BYTES} bytes with --udp (a ${UDP_HEADER_BYTES}-byte header, then the payload)`,
    );
  }
  if (plan.load?.rate !== undefined && values.concurrency !== undefined) {
    throw new UsageError(
      "--concurrency does not go with --udp --rate: the datagrams go out on the schedule, whatever is in flight",
    );
  }
  return true;
}
