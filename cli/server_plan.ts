/**
 * The server's flags to a plan: what `serve()` gets (only what was given; the
 * library applies its defaults), and UDP, TLS, metrics and how to report.
 *
 * @module
 */

import type { SERVER_FLAGS } from "../server.ts";
import { type HostPort, parseHost, parseListenAddress } from "../lib/address.ts";
import { parseCidr } from "../lib/cidr.ts";
import { DEFAULTS, MAX_RECORD_SIZE } from "../lib/defaults.ts";
import type { ServeOptions } from "../lib/serve_options.ts";
import { UsageError } from "./exit.ts";
import {
  durationFlag,
  flagValue,
  given,
  integerFlag,
  type ParsedFlags,
  sizeFlag,
} from "./flags.ts";
import type { TlsFiles } from "./tls_files.ts";
import { type UdpServerPlan, udpServerPlan } from "./udp_server_plan.ts";

/** What `echoprobe server` was asked to do. */
export interface ServerPlan {
  /** `--help`: print the help, run nothing. */
  help: boolean;
  /** What `serve()` gets: only what the flags set (the library applies its defaults). */
  options: ServeOptions;
  /** JSON results on stdout. */
  json: boolean;
  /** The form of the logs on stderr. */
  log: "text" | "json" | "none";
  /** Milliseconds between snapshots on stderr, or none. */
  statsIntervalMs: number | undefined;
  /** Where to serve the Prometheus metrics, or nowhere. */
  metrics: Required<HostPort> | undefined;
  /** `--udp`: serve UDP (alone, or beside TCP); left out when not asked for. */
  udp?: UdpServerPlan;
  /** TLS: `undefined` without it; `{}` for a certificate made at start-up, or the files. */
  tls: { files?: TlsFiles } | undefined;
}

/** The server's flags as `parseFlags()` gives them. */
export type ServerValues = ParsedFlags<typeof SERVER_FLAGS>["values"];

/**
 * Turns the server's parsed flags into a plan.
 *
 * @param values The flags, as parsed from the server's table.
 * @returns The plan.
 * @throws {UsageError} For a value out of range, naming the flag.
 */
export function serverPlan(values: ServerValues): ServerPlan {
  // --help wins over the values of the other flags.
  if (values.help) {
    return {
      help: true,
      options: {},
      json: false,
      log: "text",
      statsIntervalMs: undefined,
      metrics: undefined,
      tls: undefined,
    };
  }
  const options = given<ServeOptions>({
    hostname: flagValue("host", values.host, parseHost),
    port: integerFlag("port", values.port, 0, 65535),
    recordSize: sizeFlag("size", values.size, MAX_RECORD_SIZE),
    timeoutMs: durationFlag("timeout", values.timeout),
    backlog: integerFlag("backlog", values.backlog, 1, 65535),
    graceMs: durationFlag("grace", values.grace),
    maxConnections: integerFlag("max-connections", values["max-connections"], 1, 1_000_000),
    maxPerIp: integerFlag("max-per-ip", values["max-per-ip"], 1, 1_000_000),
    allow: values.allow?.map((range) => flagValue("allow", range, parseCidr)!),
    bufferBudget: sizeFlag("buffer-budget", values["buffer-budget"], Number.MAX_SAFE_INTEGER),
    maxBytes: sizeFlag("max-bytes", values["max-bytes"], Number.MAX_SAFE_INTEGER),
    maxDurationMs: durationFlag("max-duration", values["max-duration"]),
    mode: values.stream ? "stream" : undefined,
  });
  const recordSize = options.recordSize ?? DEFAULTS.recordSize;
  if (options.mode !== "stream" && (options.bufferBudget ?? Infinity) < recordSize) {
    throw new UsageError(
      `Invalid --buffer-budget "${
        values["buffer-budget"]
      }": expected at least one record (--size ${recordSize})`,
    );
  }
  const json = values.json === true;
  const log = values.log ?? (json ? "json" : "text");
  if (log !== "text" && log !== "json" && log !== "none") {
    throw new UsageError(`Invalid --log "${log}": expected text, json or none`);
  }
  const udp = udpServerPlan(values, options);
  return {
    help: false,
    options,
    json,
    log,
    statsIntervalMs: durationFlag("stats-interval", values["stats-interval"]),
    metrics: flagValue("metrics", values.metrics, parseListenAddress),
    ...(udp ? { udp } : {}),
    tls: tlsPlan(values["tls"], values["tls-cert"], values["tls-key"]),
  };
}

/** `--tls`, `--tls-cert`, `--tls-key`: the files imply `--tls`, and go together. */
function tlsPlan(tls: boolean | undefined, certFile?: string, keyFile?: string) {
  if (certFile !== undefined && keyFile !== undefined) return { files: { certFile, keyFile } };
  if (certFile !== undefined || keyFile !== undefined) {
    throw new UsageError("Give --tls-cert and --tls-key together (one file or - may hold both)");
  }
  return tls ? {} : undefined;
}
