/**
 * The server's UDP flags to a plan: what `serveUdp()` gets (only what was given), TCP
 * beside it or not, and how often sources are logged.
 *
 * @module
 */

import type { SERVER_FLAGS } from "../server.ts";
import type { ServeOptions } from "../lib/serve_options.ts";
import type { UdpServeOptions } from "../lib/udp_server.ts";
import { parsePositive } from "../lib/units.ts";
import { UsageError } from "./exit.ts";
import { durationFlag, flagValue, given, integerFlag, type ParsedFlags } from "./flags.ts";

/** What `echoprobe server --udp` was asked to do. */
export interface UdpServerPlan {
  /** What `serveUdp()` gets: only what the flags set. */
  options: UdpServeOptions;
  /** `--tcp`: serve TCP too, on the same port number. */
  tcp: boolean;
  /** Milliseconds between per-source logs, when `--udp-log-interval` is given. */
  logIntervalMs: number | undefined;
}

/** The server's flags as `parseFlags()` gives them. */
type ServerValues = ParsedFlags<typeof SERVER_FLAGS>["values"];

/** UDP's own flags: they need `--udp`. */
const UDP_FLAGS = [
  "udp-rate",
  "udp-burst",
  "udp-global-rate",
  "udp-global-burst",
  "udp-log-interval",
] as const;

/** Flags that only TCP has: with `--udp` they need `--tcp`. */
const TCP_FLAGS = [
  "timeout",
  "backlog",
  "grace",
  "max-connections",
  "max-per-ip",
  "max-bytes",
  "max-duration",
  "stream",
  "buffer-budget",
  // TLS is over TCP: a --udp server alone would serve plain UDP and say nothing.
  "tls",
  "tls-cert",
  "tls-key",
] as const;

/**
 * The UDP part of the server's plan.
 *
 * @param values The server's flags.
 * @param options What the TCP server gets: the address, port, size and `--allow`
 *   apply to UDP too.
 * @returns The plan, or `undefined` without `--udp`.
 * @throws {UsageError} For a UDP flag or `--tcp` without `--udp`, a TCP-only flag with
 *   `--udp` alone, or a value out of range, naming the flag.
 */
export function udpServerPlan(
  values: ServerValues,
  options: ServeOptions,
): UdpServerPlan | undefined {
  if (!values.udp) {
    const stray = UDP_FLAGS.find((name) => values[name] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --udp`);
    // Refused, not ignored, as UDP's own flags are: whoever typed it expected UDP too.
    if (values.tcp) {
      throw new UsageError("--tcp needs --udp: without --udp the server serves TCP alone");
    }
    return undefined;
  }
  const tcp = values.tcp === true;
  const tcpOnly = TCP_FLAGS.find((name) => values[name] !== undefined);
  if (!tcp && tcpOnly) {
    throw new UsageError(`--${tcpOnly} is for TCP: add --tcp to serve TCP beside UDP`);
  }
  const rate = (name: string, text: string | undefined) =>
    flagValue(name, text, (value) => parsePositive(value, "answers per second above 0"));
  return {
    options: given<UdpServeOptions>({
      hostname: options.hostname,
      port: options.port,
      maxDatagramBytes: options.recordSize,
      allow: options.allow,
      sourceRate: rate("udp-rate", values["udp-rate"]),
      sourceBurst: integerFlag("udp-burst", values["udp-burst"], 1, 1_000_000_000),
      globalRate: rate("udp-global-rate", values["udp-global-rate"]),
      globalBurst: integerFlag("udp-global-burst", values["udp-global-burst"], 1, 1_000_000_000),
    }),
    tcp,
    logIntervalMs: durationFlag("udp-log-interval", values["udp-log-interval"]),
  };
}
