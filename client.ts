/**
 * `echoprobe client`: its flags, and flags to a plan (a ping-style series or a
 * load run) that `cli/client_run.ts` carries out.
 *
 * @module
 */

import { formatHostPort, parseHostPort } from "./lib/address.ts";
import { DEFAULTS, MAX_PROBE_SIZE } from "./lib/defaults.ts";
import { ValueError } from "./lib/errors.ts";
import { parsePayload } from "./lib/payload.ts";
import { probeSettings } from "./lib/probe.ts";
import type { SeriesOptions } from "./lib/series.ts";
import { formatDuration, parsePercent, parsePositive } from "./lib/units.ts";
import type { LoadSettings } from "./cli/client_lines.ts";
import { EXIT, UsageError } from "./cli/exit.ts";
import {
  argumentValue,
  durationFlag,
  type FlagTable,
  flagValue,
  given,
  helpText,
  integerFlag,
  parseFlags,
  sizeFlag,
} from "./cli/flags.ts";
import { writeText } from "./cli/output.ts";

/** The client's flags: the parser's options, `--help` and the completions. */
export const CLIENT_FLAGS = {
  port: {
    type: "string",
    short: "p",
    value: "PORT",
    shows: String(DEFAULTS.port),
    help: "Server port, when HOST carries none",
  },
  count: {
    type: "string",
    short: "c",
    value: "N",
    shows: String(DEFAULTS.count),
    help: "Probes to send; 0 sends until Ctrl-C, --deadline or --until-ok",
  },
  interval: {
    type: "string",
    short: "i",
    value: "DURATION",
    shows: formatDuration(DEFAULTS.intervalMs),
    help: "From the start of one probe to the start of the next",
  },
  deadline: {
    type: "string",
    short: "w",
    value: "DURATION",
    help: "Stop after this long, whatever the count",
  },
  timeout: {
    type: "string",
    short: "t",
    value: "DURATION",
    shows: formatDuration(DEFAULTS.timeoutMs),
    help: "Deadline of the connect, and separately of each echo",
  },
  "until-ok": {
    type: "boolean",
    help: "Stop at the first good probe and exit 0 (exit 1 if none by --deadline)",
  },
  reuse: {
    type: "boolean",
    help: "One connection for all probes (reconnects once if it drops); measures echo alone",
  },
  size: {
    type: "string",
    short: "s",
    value: "BYTES",
    shows: String(DEFAULTS.recordSize),
    help: "Bytes per probe (KiB, MiB allowed; at most 16MiB)",
  },
  payload: {
    type: "string",
    value: "KIND",
    shows: "random",
    choices: ["random", "zeros", "ascii", "hex:", "@"],
    help: "random (differs per probe), zeros, ascii, hex:DEADBEEF, @FILE (its bytes), @- (stdin)",
  },
  seed: {
    type: "string",
    value: "N",
    help: "Seed of the random payload, to reproduce a run (default: a random one, shown)",
  },
  ipv4: { type: "boolean", short: "4", help: "Use IPv4 addresses only" },
  ipv6: { type: "boolean", short: "6", help: "Use IPv6 addresses only" },
  resolve: {
    type: "boolean",
    help: "Resolve HOST again before every probe, and point out a changed address",
  },
  json: { type: "boolean", help: "JSON lines on stdout: one per probe, then a summary" },
  quiet: { type: "boolean", short: "q", help: "Print the summary only" },
  "max-loss": {
    type: "string",
    value: "PCT",
    help: "Exit 1 only when the loss is above PCT percent (default: any failure)",
  },
  concurrency: {
    type: "string",
    short: "n",
    value: "N",
    help: "Load mode: N probe loops at once (with --duration or --count in all)",
  },
  duration: { type: "string", short: "d", value: "DURATION", help: "Load mode: run this long" },
  rate: {
    type: "string",
    short: "r",
    value: "PER_SECOND",
    help: "Load mode: probes per second in all, on a schedule (latency from scheduled start)",
  },
  help: { type: "boolean", short: "h", help: "Show this help" },
} as const satisfies FlagTable;

/** `echoprobe client --help`. */
export const CLIENT_HELP = helpText(
  "echoprobe client [flags] HOST[:PORT]",
  [
    "Probes an echo server: connects, sends --size bytes, reads them back, checks",
    "every byte, and times resolve, connect, first echoed byte and full echo. HOST",
    "is a dotted IPv4 address, an IPv6 literal ([::1]:3005, or ::1 with --port) or",
    "a name, resolved as the system does (/etc/hosts included). One line per probe",
    "and a summary on stdout (Ctrl-C prints the summary too, then exits 130); exit",
    "0 when every probe succeeded, 1 when any failed (see --max-loss, --until-ok).",
  ].join("\n"),
  CLIENT_FLAGS,
  [
    "echoprobe client 127.0.0.1",
    "echoprobe client [::1]:3005 --count 5 --interval 200ms",
    "echoprobe client db.internal:5432 --count 0 --deadline 60s --until-ok --quiet",
    "echoprobe client lb.example --resolve --count 10 --json | jq .address",
    "echoprobe client 10.0.0.7 --reuse --count 100 --interval 10ms --max-loss 1",
    "echoprobe client 10.0.0.7 --payload @- --timeout 5s < firmware.bin",
    "echoprobe client 127.0.0.1 --concurrency 32 --reuse --duration 10s",
    "echoprobe client 127.0.0.1 --concurrency 8 --rate 20000 --duration 30s --json",
  ],
);

/** What `echoprobe client` was asked to do. */
export interface ClientPlan {
  /** `--help`: print the help, run nothing. */
  help: boolean;
  /** The probes: only what the flags set (the library applies its defaults). */
  series: SeriesOptions;
  /** Load mode's settings, or `undefined` for a ping-style series. */
  load: LoadSettings | undefined;
  /** `--payload @FILE`: the file whose bytes are the payload (`-`: standard input). */
  payloadFile: string | undefined;
  /** HOST:PORT as the lines show it. */
  target: string;
  /** The payload as the header shows it, after `random payload (seed N)` for random. */
  payloadName: string | undefined;
  /** Print the summary only. */
  quiet: boolean;
  /** JSON lines on stdout. */
  json: boolean;
  /** Exit 1 only when the loss is above this percentage. */
  maxLossPct: number | undefined;
}

/**
 * Turns the client's arguments into a plan: a pure function, tested without a socket.
 *
 * @param args The arguments after `client`.
 * @returns The plan.
 * @throws {UsageError} For a missing or extra HOST, or a value out of range, naming the flag.
 */
export function parseClientArgs(args: string[]): ClientPlan {
  const { values, positionals } = parseFlags("client", CLIENT_FLAGS, args, true);
  const plan: ClientPlan = {
    help: values.help === true,
    series: { hostname: "" },
    load: undefined,
    payloadFile: undefined,
    target: "",
    payloadName: undefined,
    quiet: values.quiet === true,
    json: values.json === true,
    maxLossPct: flagValue("max-loss", values["max-loss"], parsePercent),
  };
  if (plan.help) return plan;
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? 'Missing HOST (see "echoprobe client --help")'
        : `Expected one HOST, got ${positionals.length}: "${positionals.join('", "')}"`,
    );
  }
  const portFlag = integerFlag("port", values.port, 1, 65535);
  const target = argumentValue(positionals[0]!, parseHostPort);
  if (portFlag !== undefined && target.port !== undefined && target.port !== portFlag) {
    throw new UsageError(`Port given twice: in "${positionals[0]}" and with --port ${portFlag}`);
  }
  if (values.ipv4 && values.ipv6) throw new UsageError("Give -4 or -6, not both");
  const payload = values.payload;
  if (payload?.startsWith("@")) {
    if (values.size !== undefined) {
      throw new UsageError(`Give --size or --payload @FILE, not both: the file sets the size`);
    }
    plan.payloadFile = payload.slice(1);
  }
  if (payload !== undefined && payload !== "random") plan.payloadName = payload;
  plan.series = given<SeriesOptions>({
    hostname: target.hostname,
    payload: plan.payloadFile === undefined
      ? flagValue("payload", payload, parsePayloadFlag)
      : undefined,
    port: target.port ?? portFlag,
    size: sizeFlag("size", values.size, MAX_PROBE_SIZE),
    seed: integerFlag("seed", values.seed, 0, 2 ** 32 - 1),
    timeoutMs: durationFlag("timeout", values.timeout),
    count: integerFlag("count", values.count, 0, 1_000_000_000),
    intervalMs: durationFlag("interval", values.interval),
    deadlineMs: durationFlag("deadline", values.deadline),
    reuse: values.reuse,
    resolveEach: values.resolve,
    untilOk: values["until-ok"],
    family: values.ipv4 ? 4 : values.ipv6 ? 6 : undefined,
  });
  plan.target = formatHostPort(target.hostname, probeSettings(plan.series).port);
  plan.load = loadSettings(values, plan.series);
  return plan;
}

/** Load mode's settings, when `--concurrency`, `--duration` or `--rate` asks for it. */
function loadSettings(
  values: ReturnType<typeof parseFlags<typeof CLIENT_FLAGS>>["values"],
  series: SeriesOptions,
): LoadSettings | undefined {
  if (![values.concurrency, values.duration, values.rate].some((text) => text !== undefined)) {
    return undefined;
  }
  if (values.interval !== undefined || values.deadline !== undefined || values["until-ok"]) {
    throw new UsageError(
      "--interval, --deadline and --until-ok do not go with load mode: use --rate and --duration",
    );
  }
  const settings = given<LoadSettings>({
    concurrency: integerFlag("concurrency", values.concurrency, 1, 10_000) ?? 1,
    durationMs: durationFlag("duration", values.duration),
    count: series.count,
    rate: flagValue(
      "rate",
      values.rate,
      (text) => parsePositive(text, "probes per second above 0"),
    ),
  });
  if (settings.durationMs === undefined && !settings.count) {
    throw new UsageError("Load mode needs --duration or a --count above 0");
  }
  return settings;
}

function parsePayloadFlag(text: string) {
  try {
    return parsePayload(text);
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    throw new ValueError(
      text,
      "random, zeros, ascii, hex:BYTES (pairs of hex digits) or @FILE",
    );
  }
}

/**
 * Runs `echoprobe client`.
 *
 * @param args The arguments after `client`.
 * @returns The exit code: 0 when every probe succeeded, 1 when any failed
 *   (or, with --max-loss, when the loss is above it), 130 after Ctrl-C.
 * @throws {UsageError} For bad flags or a bad HOST.
 */
export async function clientCommand(args: string[]): Promise<number> {
  const plan = parseClientArgs(args);
  if (plan.help) {
    writeText(CLIENT_HELP);
    return EXIT.ok;
  }
  // Loaded after parsing: `--help` and usage errors need none of it.
  const { runClient } = await import("./cli/client_run.ts");
  return await runClient(plan);
}
