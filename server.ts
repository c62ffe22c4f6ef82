/**
 * `echoprobe server`: flags to {@linkcode ServeOptions}, the server's lines, signals.
 *
 * @module
 */

import {
  EXIT,
  type Flag,
  flagDuration,
  flagText,
  helpText,
  LogBatch,
  type Parsed,
  parseFlags,
  writeResult,
  writeText,
} from "./cli.ts";
import { parseCidr } from "./lib/cidr.ts";
import { UsageError } from "./lib/errors.ts";
import { DEFAULTS, MAX_RECORD_SIZE } from "./lib/defaults.ts";
import {
  formatClose,
  formatListening,
  formatReject,
  formatServerSummary,
  formatStats,
} from "./lib/format.ts";
import { serve, type ServeOptions } from "./lib/server.ts";
import { formatDuration, parseByteSize, parseInteger } from "./lib/units.ts";

const FLAGS: readonly Flag[] = [
  { name: "host", type: "string", value: "ADDR", default: DEFAULTS.hostname, help: "Listen on" },
  {
    name: "port",
    short: "p",
    type: "string",
    value: "PORT",
    default: String(DEFAULTS.port),
    help: "Listen on this port; 0 picks a free one",
  },
  {
    name: "size",
    short: "s",
    type: "string",
    value: "BYTES",
    default: String(DEFAULTS.recordSize),
    help: "Record size (KiB, MiB allowed; at most 64MiB)",
  },
  {
    name: "timeout",
    short: "t",
    type: "string",
    value: "DURATION",
    default: formatDuration(DEFAULTS.timeoutMs),
    help: "Close a connection whose record read or echo takes longer",
  },
  {
    name: "backlog",
    type: "string",
    value: "N",
    default: String(DEFAULTS.backlog),
    help: "Connections the kernel queues before they are accepted",
  },
  {
    name: "grace",
    type: "string",
    value: "DURATION",
    default: formatDuration(DEFAULTS.graceMs),
    help: "On SIGINT/SIGTERM, let records in flight finish this long",
  },
  {
    name: "max-connections",
    type: "string",
    value: "N",
    default: String(DEFAULTS.maxConnections),
    help: "Connections open at once; more are closed at accept",
  },
  {
    name: "max-per-ip",
    type: "string",
    value: "N",
    help: "Connections open at once from one address (default: no limit)",
  },
  {
    name: "allow",
    type: "string",
    multiple: true,
    value: "CIDR",
    help: "Accept only peers in this range; repeat for more (default: everyone)",
  },
  {
    name: "max-bytes",
    type: "string",
    value: "BYTES",
    help: "Close a connection that would echo more (reason limit; default: no limit)",
  },
  {
    name: "max-duration",
    type: "string",
    value: "DURATION",
    help: "Close a connection open this long (reason limit; default: no limit)",
  },
  { name: "stream", type: "boolean", help: "Echo bytes as they arrive (RFC 862), not records" },
  { name: "json", type: "boolean", help: "JSON lines on stdout, and on stderr unless --log says" },
  {
    name: "log",
    type: "string",
    value: "FORMAT",
    default: "text",
    help: "Connection logs on stderr: text, json or none (--json makes json the default)",
  },
  {
    name: "stats-interval",
    type: "string",
    value: "DURATION",
    help: "Print a snapshot (open connections, totals, rates) on stderr this often",
  },
  { name: "help", short: "h", type: "boolean", help: "Show this help" },
];

const HELP = helpText(
  "echoprobe server [flags]",
  [
    "Echo server. In record mode it reads each full record of --size bytes and",
    "sends it back; at end of stream it echoes the partial record, then closes.",
    'Prints "echoprobe server listening on HOST:PORT" on stdout when ready, one',
    "line per closed connection on stderr, and a summary on stdout when stopped",
    "(SIGINT/SIGTERM: graceful; a second signal closes everything at once).",
  ].join("\n"),
  FLAGS,
  [
    "echoprobe server",
    "echoprobe server --host 127.0.0.1 --port 0 --timeout 5s",
    "echoprobe server --stream --json",
    "echoprobe server --allow 10.0.0.0/8 --allow fd00::/8 --max-per-ip 16 --stats-interval 10s",
  ],
);

interface ServerPlan {
  options: ServeOptions;
  /** JSON results on stdout. */
  json: boolean;
  /** The form of the logs on stderr. */
  log: "text" | "json" | "none";
  statsIntervalMs: number | undefined;
}

/**
 * Turns the server's flags into options for `serve()` and how to report.
 *
 * @param values The parsed flags.
 * @returns The plan.
 * @throws {UsageError} For a value out of range.
 */
function serverPlan(values: Parsed["values"]): ServerPlan {
  const text = (name: string) => flagText(values, name);
  const duration = (name: string) => flagDuration(values, name);
  const integer = (name: string, fallback: number, min: number, max: number) =>
    parseInteger(text(name) ?? String(fallback), `--${name}`, min, max);
  const options: ServeOptions = {
    hostname: text("host") ?? DEFAULTS.hostname,
    port: integer("port", DEFAULTS.port, 0, 65535),
    recordSize: parseByteSize(
      text("size") ?? String(DEFAULTS.recordSize),
      "--size",
      MAX_RECORD_SIZE,
    ),
    timeoutMs: duration("timeout") ?? DEFAULTS.timeoutMs,
    backlog: integer("backlog", DEFAULTS.backlog, 1, 65535),
    graceMs: duration("grace") ?? DEFAULTS.graceMs,
    maxConnections: integer("max-connections", DEFAULTS.maxConnections, 1, 1_000_000),
    mode: values.stream ? "stream" : "record",
  };
  if (text("max-per-ip") !== undefined) {
    options.maxPerIp = integer("max-per-ip", 0, 1, 1_000_000);
  }
  const allow = values.allow as string[] | undefined;
  if (allow) options.allow = allow.map(parseCidr);
  if (text("max-bytes") !== undefined) {
    options.maxBytes = parseByteSize(text("max-bytes")!, "--max-bytes", Number.MAX_SAFE_INTEGER);
  }
  const maxDurationMs = duration("max-duration");
  if (maxDurationMs !== undefined) options.maxDurationMs = maxDurationMs;
  const json = values.json === true;
  const log = text("log") ?? (json ? "json" : "text");
  if (log !== "text" && log !== "json" && log !== "none") {
    throw new UsageError(`Invalid --log "${log}": expected text, json or none`);
  }
  return { options, json, log, statsIntervalMs: duration("stats-interval") };
}

/**
 * Runs `echoprobe server` until SIGINT or SIGTERM.
 *
 * @param args The arguments after `server`.
 * @returns The exit code: 0 after a stop by signal.
 * @throws {UsageError} For bad flags; {@linkcode EchoError} `listen` when it cannot bind.
 */
export async function serverCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, FLAGS, "server", false);
  if (values.help) {
    writeText(HELP);
    return EXIT.ok;
  }
  const { options, json, log, statsIntervalMs } = serverPlan(values);
  const logJson = log === "json";
  // Every stderr line of the running server goes through the batch, in order.
  using logBatch = new LogBatch();
  const logLine = (line: string) => logBatch.write(line);
  const writeEvent = log === "none" ? () => {} : logLine;
  const stop = new AbortController();
  const server = serve({
    ...options,
    signal: stop.signal,
    onClose: (info) => writeEvent(formatClose(info, logJson)),
    onReject: (info) => writeEvent(formatReject(info, logJson)),
    onAcceptError: (error) =>
      writeEvent(
        logJson
          ? JSON.stringify({ event: "accept-error", error: error.message })
          : `accept failed: ${error.message}`,
      ),
  });
  writeResult(formatListening(server.addr, json));

  let previous = server.stats();
  let previousAt = performance.now();
  const statsTimer = statsIntervalMs === undefined ? undefined : setInterval(() => {
    const stats = server.stats();
    const now = performance.now();
    logLine(formatStats(stats, previous, now - previousAt, Deno.memoryUsage(), logJson));
    previous = stats;
    previousAt = now;
  }, statsIntervalMs);

  const onSignal = () => {
    if (stop.signal.aborted) {
      server.close();
      return;
    }
    writeEvent(
      logJson
        ? JSON.stringify({ event: "stopping", active: server.activeConnections })
        : `echoprobe server stopping: ${server.activeConnections} connections open`,
    );
    stop.abort();
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  try {
    const summary = await server.finished;
    logBatch.flush(); // the log lines before the summary, for `2>&1`
    writeResult(formatServerSummary(summary, json));
  } finally {
    clearInterval(statsTimer);
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
  }
  return EXIT.ok;
}
