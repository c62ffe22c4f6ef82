/**
 * `echoprobe client`: flags to {@linkcode ProbeOptions}, one line per probe.
 *
 * @module
 */

import { EXIT, type Flag, helpText, parseFlags, writeResult, writeText } from "./cli.ts";
import { parseHostPort } from "./lib/address.ts";
import { DEFAULTS, MAX_PROBE_SIZE } from "./lib/defaults.ts";
import { delay } from "./lib/delay.ts";
import { ProbeError, UsageError } from "./lib/errors.ts";
import { formatProbe, formatProbeFailure } from "./lib/format.ts";
import { probe, type ProbeOptions } from "./lib/probe.ts";
import { formatDuration, parseByteSize, parseDuration, parseInteger } from "./lib/units.ts";

const FLAGS: readonly Flag[] = [
  {
    name: "port",
    short: "p",
    type: "string",
    value: "PORT",
    default: String(DEFAULTS.port),
    help: "Server port, when HOST carries none",
  },
  {
    name: "size",
    short: "s",
    type: "string",
    value: "BYTES",
    default: String(DEFAULTS.recordSize),
    help: "Bytes per probe (KiB, MiB allowed; at most 16MiB)",
  },
  {
    name: "timeout",
    short: "t",
    type: "string",
    value: "DURATION",
    default: formatDuration(DEFAULTS.timeoutMs),
    help: "Deadline of the connect, and separately of the echo",
  },
  {
    name: "count",
    short: "c",
    type: "string",
    value: "N",
    default: String(DEFAULTS.count),
    help: "Probes to send, each on a new connection",
  },
  {
    name: "interval",
    short: "i",
    type: "string",
    value: "DURATION",
    default: formatDuration(DEFAULTS.intervalMs),
    help: "Pause between probes",
  },
  { name: "json", type: "boolean", help: "One JSON object per probe on stdout" },
  { name: "help", short: "h", type: "boolean", help: "Show this help" },
];

const HELP = helpText(
  "echoprobe client [flags] HOST[:PORT]",
  [
    "Probes an echo server: connects, sends --size bytes of a pattern unique to",
    "each probe, reads them back and checks every byte. HOST is a dotted IPv4",
    "address, an IPv6 literal ([::1]:3005, or ::1 with --port) or a name, resolved",
    "as the system does (/etc/hosts included). One line per probe on stdout, ping",
    "style; exit 0 when every probe succeeded, 1 when any failed.",
  ].join("\n"),
  FLAGS,
  [
    "echoprobe client 127.0.0.1",
    "echoprobe client [::1]:3005 --count 5 --interval 200ms",
    "echoprobe client example.internal --port 7 --size 4KiB --timeout 2s --json",
  ],
);

interface ClientPlan {
  probe: ProbeOptions;
  count: number;
  intervalMs: number;
  json: boolean;
}

/**
 * Turns the client's flags and HOST into a plan of probes.
 *
 * @param values The parsed flags.
 * @param positionals The positional arguments: exactly one HOST.
 * @returns The probe options, how many, how far apart, and the output form.
 * @throws {UsageError} For a missing or extra HOST, or a value out of range.
 */
function clientPlan(
  values: Record<string, string | boolean | undefined>,
  positionals: string[],
): ClientPlan {
  const text = (name: string) => values[name] as string | undefined;
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? 'Missing HOST (see "echoprobe client --help")'
        : `Expected one HOST, got ${positionals.length}: "${positionals.join('", "')}"`,
    );
  }
  const portFlag = text("port");
  const port = portFlag === undefined ? DEFAULTS.port : parseInteger(portFlag, "--port", 1, 65535);
  const target = parseHostPort(positionals[0]!, port);
  if (portFlag !== undefined && target.port !== port) {
    throw new UsageError(`Port given twice: in "${positionals[0]}" and with --port ${port}`);
  }
  return {
    probe: {
      hostname: target.hostname,
      port: target.port,
      size: parseByteSize(text("size") ?? String(DEFAULTS.recordSize), "--size", MAX_PROBE_SIZE),
      timeoutMs: text("timeout")
        ? parseDuration(text("timeout")!, "--timeout")
        : DEFAULTS.timeoutMs,
    },
    count: parseInteger(text("count") ?? String(DEFAULTS.count), "--count", 1, 1_000_000_000),
    intervalMs: text("interval")
      ? parseDuration(text("interval")!, "--interval")
      : DEFAULTS.intervalMs,
    json: values.json === true,
  };
}

/**
 * Runs `echoprobe client`: `--count` probes, `--interval` apart.
 *
 * @param args The arguments after `client`.
 * @returns The exit code: 0 when every probe succeeded, 1 when any failed,
 *   130 when interrupted by SIGINT.
 * @throws {UsageError} For bad flags or a bad HOST.
 */
export async function clientCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, FLAGS, "client", true);
  if (values.help) {
    writeText(HELP);
    return EXIT.ok;
  }
  const plan = clientPlan(values, positionals);
  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  let failed = 0;
  try {
    for (let seq = 1; seq <= plan.count; seq++) {
      if (seq > 1 && !await delay(plan.intervalMs, interrupt.signal)) break;
      try {
        const result = await probe({ ...plan.probe, seq, signal: interrupt.signal });
        writeResult(formatProbe(result, plan.json));
      } catch (error) {
        if (interrupt.signal.aborted) break;
        if (!(error instanceof ProbeError)) throw error;
        failed++;
        writeResult(formatProbeFailure(error, plan.probe.hostname, plan.json));
      }
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
  if (interrupt.signal.aborted) return EXIT.interrupted;
  return failed > 0 ? EXIT.failed : EXIT.ok;
}
