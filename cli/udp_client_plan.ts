/**
 * What `--udp` allows of the client's other flags: a datagram's size, and no
 * connection to keep.
 *
 * @module
 */

import { MAX_DATAGRAM_BYTES, UDP_HEADER_BYTES } from "../lib/udp_datagram.ts";
import type { ClientPlan, ClientValues } from "./client_plan.ts";
import { UsageError } from "./exit.ts";

/**
 * Checks the client's flags for a UDP run.
 *
 * @param values The client's flags.
 * @param plan The plan made of them.
 * @returns `true`, for `plan.udp`.
 * @throws {UsageError} For `--reuse` or `--resolve`, a `--size` a datagram cannot
 *   have, or `--concurrency` with `--rate`, naming the flag.
 */
export function checkUdpFlags(values: ClientValues, plan: ClientPlan): true {
  if (values.reuse) {
    throw new UsageError("--reuse does not go with --udp: there is no connection to keep");
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
