/**
 * `echoprobe client`: flags to {@linkcode SeriesOptions}, a line per probe, a summary.
 *
 * @module
 */

import {
  EXIT,
  type Flag,
  flagDuration,
  flagText,
  helpText,
  type Parsed,
  parseFlags,
  writeProgress,
  writeResult,
  writeText,
} from "./cli.ts";
import { formatHostPort, parseHostPort } from "./lib/address.ts";
import { DEFAULTS, MAX_PROBE_SIZE } from "./lib/defaults.ts";
import { UsageError } from "./lib/errors.ts";
import {
  formatLoadProgress,
  formatLoadReport,
  formatOutcome,
  formatSummary,
  type LineStyle,
} from "./lib/format.ts";
import { parsePayload, type PayloadSpec } from "./lib/payload.ts";
import { load, type LoadOptions, type LoadReport } from "./lib/load.ts";
import { probeSeries, type SeriesEnd, type SeriesOptions } from "./lib/series.ts";
import { ProbeStats } from "./lib/stats.ts";
import { formatDuration, parseByteSize, parseInteger } from "./lib/units.ts";

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
    name: "count",
    short: "c",
    type: "string",
    value: "N",
    default: String(DEFAULTS.count),
    help: "Probes to send; 0 sends until Ctrl-C, --deadline or --until-ok",
  },
  {
    name: "interval",
    short: "i",
    type: "string",
    value: "DURATION",
    default: formatDuration(DEFAULTS.intervalMs),
    help: "From the start of one probe to the start of the next",
  },
  {
    name: "deadline",
    short: "w",
    type: "string",
    value: "DURATION",
    help: "Stop after this long, whatever the count",
  },
  {
    name: "timeout",
    short: "t",
    type: "string",
    value: "DURATION",
    default: formatDuration(DEFAULTS.timeoutMs),
    help: "Deadline of the connect, and separately of each echo",
  },
  {
    name: "until-ok",
    type: "boolean",
    help: "Stop at the first good probe and exit 0 (exit 1 if none by --deadline)",
  },
  {
    name: "reuse",
    type: "boolean",
    help: "One connection for all probes (reconnects once if it drops); measures echo alone",
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
    name: "payload",
    type: "string",
    value: "KIND",
    default: "random",
    help: "random (differs per probe), zeros, ascii, hex:DEADBEEF, @FILE (its bytes), @- (stdin)",
  },
  {
    name: "seed",
    type: "string",
    value: "N",
    help: "Seed of the random payload, to reproduce a run (default: a random one, shown)",
  },
  { name: "ipv4", short: "4", type: "boolean", help: "Use IPv4 addresses only" },
  { name: "ipv6", short: "6", type: "boolean", help: "Use IPv6 addresses only" },
  {
    name: "resolve",
    type: "boolean",
    help: "Resolve HOST again before every probe, and point out a changed address",
  },
  { name: "json", type: "boolean", help: "JSON lines on stdout: one per probe, then a summary" },
  { name: "quiet", short: "q", type: "boolean", help: "Print the summary only" },
  {
    name: "max-loss",
    type: "string",
    value: "PCT",
    help: "Exit 1 only when the loss is above PCT percent (default: any failure)",
  },
  {
    name: "concurrency",
    short: "n",
    type: "string",
    value: "N",
    help: "Load mode: N probe loops at once (with --duration or --count in all)",
  },
  {
    name: "duration",
    short: "d",
    type: "string",
    value: "DURATION",
    help: "Load mode: run this long",
  },
  {
    name: "rate",
    short: "r",
    type: "string",
    value: "PER_SECOND",
    help: "Load mode: probes per second in all, on a schedule (latency from scheduled start)",
  },
  { name: "help", short: "h", type: "boolean", help: "Show this help" },
];

const HELP = helpText(
  "echoprobe client [flags] HOST[:PORT]",
  [
    "Probes an echo server: connects, sends --size bytes, reads them back, checks",
    "every byte, and times resolve, connect, first echoed byte and full echo. HOST",
    "is a dotted IPv4 address, an IPv6 literal ([::1]:3005, or ::1 with --port) or",
    "a name, resolved as the system does (/etc/hosts included). One line per probe",
    "and a summary on stdout (Ctrl-C prints the summary too, then exits 130); exit",
    "0 when every probe succeeded, 1 when any failed (see --max-loss, --until-ok).",
  ].join("\n"),
  FLAGS,
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

interface ClientPlan {
  series: SeriesOptions;
  /** Load mode: how many loops, how long, how fast. */
  load: { concurrency: number; durationMs?: number; count?: number; rate?: number } | undefined;
  target: string;
  seed: number;
  /** The payload as the header shows it. */
  payloadLabel: string;
  quiet: boolean;
  maxLossPct: number | undefined;
  style: LineStyle;
}

/**
 * Turns the client's flags and HOST into a plan.
 *
 * @param parsed The parsed flags and positionals (exactly one HOST).
 * @returns What to probe, how, and how to report it.
 * @throws {UsageError} For a missing or extra HOST, or a value out of range.
 */
async function clientPlan({ values, positionals }: Parsed): Promise<ClientPlan> {
  const text = (name: string) => flagText(values, name);
  const duration = (name: string) => flagDuration(values, name);
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
  if (values.ipv4 && values.ipv6) throw new UsageError("Give -4 or -6, not both");
  const { payload, size } = await payloadAndSize(text("payload"), text("size"));
  const seed = text("seed") === undefined
    ? crypto.getRandomValues(new Uint32Array(1))[0]!
    : parseInteger(text("seed")!, "--seed", 0, 2 ** 32 - 1);
  const maxLoss = text("max-loss");
  const maxLossPct = maxLoss === undefined ? undefined : Number(maxLoss);
  if (maxLossPct !== undefined && !(/^\d+(\.\d+)?$/.test(maxLoss!) && maxLossPct <= 100)) {
    throw new UsageError(`Invalid --max-loss "${maxLoss}": expected a percentage from 0 to 100`);
  }

  const series: SeriesOptions = {
    hostname: target.hostname,
    port: target.port,
    size,
    payload,
    seed,
    timeoutMs: duration("timeout") ?? DEFAULTS.timeoutMs,
    count: parseInteger(text("count") ?? String(DEFAULTS.count), "--count", 0, 1_000_000_000),
    intervalMs: duration("interval") ?? DEFAULTS.intervalMs,
    reuse: values.reuse === true,
    resolveEach: values.resolve === true,
    untilOk: values["until-ok"] === true,
  };
  const deadlineMs = duration("deadline");
  if (deadlineMs !== undefined) series.deadlineMs = deadlineMs;
  if (values.ipv4) series.family = 4;
  if (values.ipv6) series.family = 6;
  const json = values.json === true;
  return {
    series,
    load: loadPlan(values, series),
    target: formatHostPort(target.hostname, target.port),
    seed,
    payloadLabel: payload.kind === "random"
      ? `random payload (seed ${seed})`
      : `payload ${text("payload")}`,
    quiet: values.quiet === true,
    maxLossPct,
    style: { json, color: !json && Deno.stdout.isTerminal() && !Deno.noColor },
  };
}

/** Load mode's settings, when `--concurrency`, `--duration` or `--rate` asks for it. */
function loadPlan(values: Parsed["values"], series: SeriesOptions): ClientPlan["load"] {
  const text = (name: string) => flagText(values, name);
  if (!["concurrency", "duration", "rate"].some((name) => text(name) !== undefined)) {
    return undefined;
  }
  if (text("interval") !== undefined || text("deadline") !== undefined || values["until-ok"]) {
    throw new UsageError(
      "--interval, --deadline and --until-ok do not go with load mode: use --rate and --duration",
    );
  }
  const plan: NonNullable<ClientPlan["load"]> = {
    concurrency: parseInteger(text("concurrency") ?? "1", "--concurrency", 1, 10_000),
  };
  const durationMs = flagDuration(values, "duration");
  if (durationMs !== undefined) plan.durationMs = durationMs;
  if (text("count") !== undefined) plan.count = series.count!;
  if (plan.durationMs === undefined && !plan.count) {
    throw new UsageError("Load mode needs --duration or a --count above 0");
  }
  const rate = text("rate");
  if (rate !== undefined) {
    const perSecond = Number(rate);
    if (!/^\d+(\.\d+)?$/.test(rate) || !(perSecond > 0)) {
      throw new UsageError(`Invalid --rate "${rate}": expected probes per second above 0`);
    }
    plan.rate = perSecond;
  }
  return plan;
}

/** The payload and its size, from `--payload` and `--size` (`@FILE` sets the size). */
async function payloadAndSize(
  payloadFlag: string | undefined,
  sizeFlag: string | undefined,
): Promise<{ payload: PayloadSpec; size: number }> {
  if (!payloadFlag?.startsWith("@")) {
    return {
      payload: parsePayload(payloadFlag ?? "random"),
      size: parseByteSize(sizeFlag ?? String(DEFAULTS.recordSize), "--size", MAX_PROBE_SIZE),
    };
  }
  const path = payloadFlag.slice(1);
  if (sizeFlag !== undefined) {
    throw new UsageError(`Give --size or --payload @FILE, not both: the file sets the size`);
  }
  let bytes: Uint8Array;
  try {
    // "@-" reads standard input, which needs no permission (the compiled binary has none to read files).
    bytes = path === "-"
      ? await new Response(Deno.stdin.readable).bytes()
      : await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) {
      throw new UsageError(
        `Reading "${path}" needs read permission: run with --allow-read, or give the file on standard input: --payload @- < "${path}"`,
      );
    }
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : (error as Error).message;
    throw new UsageError(`Cannot read --payload "${payloadFlag}": ${reason}`);
  }
  if (bytes.length === 0 || bytes.length > MAX_PROBE_SIZE) {
    throw new UsageError(
      `Invalid --payload "${payloadFlag}": the file has ${bytes.length} bytes, expected 1 to ${MAX_PROBE_SIZE}`,
    );
  }
  return { payload: { kind: "bytes", bytes }, size: bytes.length };
}

/** The exit code of a finished run. */
function exitCode(plan: ClientPlan, stats: ProbeStats, end: SeriesEnd): number {
  if (end.stoppedBy === "signal") return EXIT.interrupted;
  const { transmitted, received, lossPct } = stats.summary();
  if (plan.series.untilOk) return end.stoppedBy === "ok" ? EXIT.ok : EXIT.failed;
  if (received === 0) return EXIT.failed;
  if (plan.maxLossPct !== undefined) return lossPct > plan.maxLossPct ? EXIT.failed : EXIT.ok;
  return received === transmitted ? EXIT.ok : EXIT.failed;
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
  const parsed = parseFlags(args, FLAGS, "client", true);
  if (parsed.values.help) {
    writeText(HELP);
    return EXIT.ok;
  }
  const plan = await clientPlan(parsed);
  if (plan.load) return await loadCommand(plan, plan.load);
  const { series, style } = plan;
  if (!plan.quiet && !style.json) {
    const mode = series.reuse ? "one connection" : "a new connection per probe";
    writeResult(`ECHOPROBE ${plan.target}: ${series.size} bytes, ${mode}, ${plan.payloadLabel}`);
  }

  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  const stats = new ProbeStats();
  const started = performance.now();
  let end: SeriesEnd;
  try {
    const probes = probeSeries({ ...series, signal: interrupt.signal });
    for (let next = await probes.next();; next = await probes.next()) {
      if (next.done) {
        end = next.value;
        break;
      }
      const outcome = next.value;
      if (outcome.ok) stats.success(outcome.result.timeMs);
      else stats.failure(outcome.error.code);
      if (!plan.quiet) writeResult(formatOutcome(outcome, style));
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
  if (!plan.quiet && !style.json) writeResult("");
  writeResult(formatSummary(plan.target, stats.summary(), {
    drops: end.drops,
    durationMs: performance.now() - started,
    seed: plan.seed,
  }, style));
  return exitCode(plan, stats, end);
}

/** Load mode: runs `load()`, shows progress on a terminal, reports once at the end. */
async function loadCommand(
  plan: ClientPlan,
  settings: NonNullable<ClientPlan["load"]>,
): Promise<number> {
  const { series, style } = plan;
  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  const live = Deno.stderr.isTerminal();
  // The series' count (1 by default) is not load mode's: that one is in `settings`.
  const { count: _count, ...probe } = series;
  const options: LoadOptions = { ...probe, ...settings, signal: interrupt.signal };
  if (live) options.onProgress = (progress) => writeProgress(formatLoadProgress(progress));
  let report: LoadReport;
  try {
    report = await load(options);
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    if (live) writeProgress("");
  }
  writeResult(formatLoadReport(plan.target, report, settings, style));
  if (interrupt.signal.aborted) return EXIT.interrupted;
  const total = report.ok + report.failed;
  const lossPct = total ? (100 * report.failed) / total : 0;
  if (report.ok === 0) return EXIT.failed;
  if (plan.maxLossPct !== undefined) return lossPct > plan.maxLossPct ? EXIT.failed : EXIT.ok;
  return report.failed > 0 ? EXIT.failed : EXIT.ok;
}
