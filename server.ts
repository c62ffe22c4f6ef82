/**
 * `echoprobe server`: its flags, flags to {@linkcode ServeOptions}, the server's
 * lines, signals.
 *
 * @module
 */

import { parseCidr } from "./lib/cidr.ts";
import { DEFAULTS, MAX_RECORD_SIZE } from "./lib/defaults.ts";
import type { ServeOptions } from "./lib/serve_options.ts";
import { formatDuration } from "./lib/units.ts";
import { EXIT, UsageError } from "./cli/exit.ts";
import {
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

/** The server's flags: the parser's options, `--help` and the completions. */
export const SERVER_FLAGS = {
  host: { type: "string", value: "ADDR", shows: DEFAULTS.hostname, help: "Listen on" },
  port: {
    type: "string",
    short: "p",
    value: "PORT",
    shows: String(DEFAULTS.port),
    help: "Listen on this port; 0 picks a free one",
  },
  size: {
    type: "string",
    short: "s",
    value: "BYTES",
    shows: String(DEFAULTS.recordSize),
    help: "Record size (KiB, MiB allowed; at most 64MiB)",
  },
  timeout: {
    type: "string",
    short: "t",
    value: "DURATION",
    shows: formatDuration(DEFAULTS.timeoutMs),
    help: "Close a connection whose record read or echo takes longer",
  },
  backlog: {
    type: "string",
    value: "N",
    shows: String(DEFAULTS.backlog),
    help: "Connections the kernel queues before they are accepted",
  },
  grace: {
    type: "string",
    value: "DURATION",
    shows: formatDuration(DEFAULTS.graceMs),
    help: "On SIGINT/SIGTERM/SIGHUP, echo what was already sent for up to this long",
  },
  "max-connections": {
    type: "string",
    value: "N",
    shows: String(DEFAULTS.maxConnections),
    help: "Connections open at once; more are closed at accept",
  },
  "max-per-ip": {
    type: "string",
    value: "N",
    help: "Connections open at once from one address (default: no limit)",
  },
  allow: {
    type: "string",
    multiple: true,
    value: "CIDR",
    help: "Accept only peers in this range; repeat for more (default: everyone)",
  },
  "buffer-budget": {
    type: "string",
    value: "BYTES",
    shows: `${DEFAULTS.bufferBudget / 1024 / 1024}MiB`,
    help: "Memory all connections may hold in grown buffers; more waits, unread",
  },
  "max-bytes": {
    type: "string",
    value: "BYTES",
    help: "Close a connection that would echo more (reason limit; default: no limit)",
  },
  "max-duration": {
    type: "string",
    value: "DURATION",
    help: "Close a connection open this long (reason limit; default: no limit)",
  },
  stream: { type: "boolean", help: "Echo bytes as they arrive (RFC 862), not records" },
  json: { type: "boolean", help: "JSON lines on stdout, and on stderr unless --log says" },
  log: {
    type: "string",
    value: "FORMAT",
    shows: "text",
    choices: ["text", "json", "none"],
    help: "Connection logs on stderr: text, json or none (--json makes json the default)",
  },
  "stats-interval": {
    type: "string",
    value: "DURATION",
    help: "Print a snapshot (open connections, totals, rates) on stderr this often",
  },
  help: { type: "boolean", short: "h", help: "Show this help" },
} as const satisfies FlagTable;

const HELP = helpText(
  "echoprobe server [flags]",
  [
    "Echo server. In record mode it reads each full record of --size bytes and",
    "sends it back; at end of stream it echoes the partial record, then closes.",
    'Prints "echoprobe server listening on HOST:PORT" on stdout when ready, one',
    "line per closed connection on stderr, and a summary on stdout when stopped",
    "(SIGINT/SIGTERM/SIGHUP: graceful; a second signal closes everything at once).",
  ].join("\n"),
  SERVER_FLAGS,
  [
    "echoprobe server",
    "echoprobe server --host 127.0.0.1 --port 0 --timeout 5s",
    "echoprobe server --stream --json",
    "echoprobe server --allow 10.0.0.0/8 --allow fd00::/8 --max-per-ip 16 --stats-interval 10s",
  ],
);

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
}

/**
 * Turns the server's arguments into a plan: a pure function, tested without a socket.
 *
 * @param args The arguments after `server`.
 * @returns The plan.
 * @throws {UsageError} For an unknown flag or a value out of range, naming the flag.
 */
export function parseServerArgs(args: string[]): ServerPlan {
  const { values } = parseFlags("server", SERVER_FLAGS, args, false);
  const options = given<ServeOptions>({
    hostname: values.host,
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
  return {
    help: values.help === true,
    options,
    json,
    log,
    statsIntervalMs: durationFlag("stats-interval", values["stats-interval"]),
  };
}

/**
 * Runs `echoprobe server` until SIGINT, SIGTERM or SIGHUP.
 *
 * @param args The arguments after `server`.
 * @returns The exit code: 0 after a stop by signal.
 * @throws {UsageError} For bad flags; {@linkcode EchoError} `listen` when it cannot bind.
 */
export async function serverCommand(args: string[]): Promise<number> {
  const plan = parseServerArgs(args);
  if (plan.help) {
    writeText(HELP);
    return EXIT.ok;
  }
  // Loaded after parsing: `--help` and usage errors need none of it.
  const { runServer } = await import("./cli/server_run.ts");
  return await runServer(plan);
}
