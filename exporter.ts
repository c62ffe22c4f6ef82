/**
 * `echoprobe exporter`: its flags, and the entry that parses them into a plan and
 * runs it (`cli/exporter_run.ts`): an HTTP server that probes echo servers for
 * Prometheus, as blackbox_exporter does.
 *
 * @module
 */

import { formatHostPort, parseListenAddress } from "./lib/address.ts";
import { EXPORTER_DEFAULTS } from "./lib/defaults.ts";
import { formatDuration } from "./lib/units.ts";
import { checkPermissions, EXIT } from "./cli/exit.ts";
import { PROBE_PARAMS } from "./cli/exporter_params.ts";
import {
  durationFlag,
  type FlagTable,
  flagValue,
  given,
  helpText,
  integerFlag,
  parseFlags,
} from "./cli/flags.ts";
import { writeText } from "./cli/output.ts";

/** The exporter's flags: the parser's options, `--help` and the completions. */
export const EXPORTER_FLAGS = {
  listen: {
    type: "string",
    short: "l",
    value: "HOST:PORT",
    shows: formatHostPort(EXPORTER_DEFAULTS.hostname, EXPORTER_DEFAULTS.port),
    help: "Serve HTTP on this address; port 0 picks a free one",
  },
  "max-concurrent": {
    type: "string",
    value: "N",
    shows: String(EXPORTER_DEFAULTS.maxConcurrent),
    help: "Probe series running at once; more scrapes get HTTP 503",
  },
  "timeout-offset": {
    type: "string",
    value: "DURATION",
    shows: formatDuration(EXPORTER_DEFAULTS.timeoutOffsetMs),
    help: "Taken off Prometheus's scrape timeout: the time a probe series may take",
  },
  ca: {
    type: "string",
    value: "FILE",
    help: "TLS probes trust these CA certificates (PEM), not the root store; - reads stdin",
  },
  json: { type: "boolean", help: "The ready line and the summary as JSON" },
  help: { type: "boolean", short: "h", help: "Show this help" },
} as const satisfies FlagTable;

const width = Math.max(...Object.entries(PROBE_PARAMS).map(([n, p]) => n.length + p.value.length));
const HELP = helpText(
  "echoprobe exporter [flags]",
  [
    "Probes echo servers for Prometheus, as blackbox_exporter does: GET",
    "/probe?target=HOST:PORT runs a probe series and answers with its metrics",
    "(probe_success, probe_duration_seconds, probe_tcp_duration_seconds{phase}, ...).",
    "A series ends within the scrape timeout Prometheus sends, less --timeout-offset.",
    "proto=udp probes with datagrams (loss, duplicates, reordering, RFC 3550 jitter;",
    "Deno runs UDP only with --unstable-net, else 501); tls=1 over TLS (certificate",
    "expiry, version); connect_only=1 any TCP service (the connect alone).",
    "GET /metrics: the exporter's own metrics; GET /healthz: 200 while it serves.",
    'Prints "echoprobe exporter listening on HOST:PORT" on stdout when ready.',
    "",
    "Query parameters of /probe:",
    ...Object.entries(PROBE_PARAMS).map(([name, param]) =>
      `  ${`${name}=${param.value}`.padEnd(width + 3)}${param.help}`
    ),
  ].join("\n"),
  EXPORTER_FLAGS,
  [
    "echoprobe exporter",
    "echoprobe exporter --listen 127.0.0.1:0 --max-concurrent 8",
    "curl 'http://127.0.0.1:3006/probe?target=10.0.0.7:3005&count=3&interval=200ms'",
    "curl 'http://127.0.0.1:3006/probe?target=10.0.0.7:3005&proto=udp&count=20&interval=50ms'",
    "curl 'http://127.0.0.1:3006/probe?target=db.internal:5432&connect_only=1'",
    "curl 'http://127.0.0.1:3006/probe?target=example.com:443&tls=1&connect_only=1'",
    "echoprobe exporter --ca - < ca.pem",
  ],
  "0 stopped by a signal (SIGINT, SIGTERM, SIGHUP), 2 usage error, 3 could not start",
);

/** What `echoprobe exporter` was asked to do: only what the flags set. */
export interface ExporterPlan {
  /** `--help`: print the help, run nothing. */
  help: boolean;
  /** Where to listen, if given. */
  listen?: { hostname: string; port: number };
  /** Probe series at once, if given. */
  maxConcurrent?: number;
  /** Milliseconds taken off the scrape timeout, if given. */
  timeoutOffsetMs?: number;
  /** `--ca FILE`: the CA certificates TLS probes trust, read at start-up (`-`: stdin). */
  caFile?: string;
  /** JSON lines on stdout. */
  json: boolean;
}

/**
 * Turns the exporter's arguments into a plan: a pure function, tested without a socket.
 *
 * @param args The arguments after `exporter`.
 * @returns The plan.
 * @throws {UsageError} For an unknown flag or a value out of range, naming the flag.
 */
export function parseExporterArgs(args: string[]): ExporterPlan {
  const { values } = parseFlags("exporter", EXPORTER_FLAGS, args, false);
  // --help wins over the values of the other flags.
  if (values.help) return { help: true, json: false };
  return {
    help: false,
    json: values.json === true,
    ...given<Omit<ExporterPlan, "help" | "json">>({
      listen: flagValue("listen", values.listen, parseListenAddress),
      maxConcurrent: integerFlag("max-concurrent", values["max-concurrent"], 1, 100_000),
      timeoutOffsetMs: durationFlag("timeout-offset", values["timeout-offset"]),
      caFile: values.ca,
    }),
  };
}

/**
 * Runs `echoprobe exporter` until SIGINT, SIGTERM or SIGHUP.
 *
 * @param args The arguments after `exporter`.
 * @returns The exit code: 0 after a stop by signal.
 * @throws {UsageError} For bad flags; {@linkcode EchoError} `listen` when it cannot bind.
 */
export async function exporterCommand(args: string[]): Promise<number> {
  const plan = parseExporterArgs(args);
  if (plan.help) {
    writeText(HELP);
    return EXIT.ok;
  }
  // After the help and the usage errors, which need no permission.
  checkPermissions();
  // Loaded after parsing: `--help` and usage errors need none of it.
  const { runExporter } = await import("./cli/exporter_run.ts");
  return await runExporter(plan);
}
