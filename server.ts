/**
 * `echoprobe server`: flags to {@linkcode ServeOptions}, the server's lines, signals.
 *
 * @module
 */

import { EXIT, type Flag, helpText, parseFlags, writeLog, writeResult, writeText } from "./cli.ts";
import { DEFAULTS, MAX_RECORD_SIZE } from "./lib/defaults.ts";
import { formatClose, formatListening, formatServerSummary } from "./lib/format.ts";
import { serve, type ServeOptions } from "./lib/server.ts";
import { formatDuration, parseByteSize, parseDuration, parseInteger } from "./lib/units.ts";

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
  { name: "stream", type: "boolean", help: "Echo bytes as they arrive (RFC 862), not records" },
  { name: "json", type: "boolean", help: "JSON lines on stdout and stderr instead of text" },
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
  ],
);

/**
 * Turns the server's flags into options for `serve()`.
 *
 * @param values The parsed flags.
 * @returns The options and whether output is JSON.
 * @throws {UsageError} For a value out of range.
 */
function serverOptions(values: Record<string, string | boolean | undefined>): {
  options: ServeOptions;
  json: boolean;
} {
  const text = (name: string) => values[name] as string | undefined;
  const options: ServeOptions = {
    hostname: text("host") ?? DEFAULTS.hostname,
    port: parseInteger(text("port") ?? String(DEFAULTS.port), "--port", 0, 65535),
    recordSize: parseByteSize(
      text("size") ?? String(DEFAULTS.recordSize),
      "--size",
      MAX_RECORD_SIZE,
    ),
    timeoutMs: text("timeout") ? parseDuration(text("timeout")!, "--timeout") : DEFAULTS.timeoutMs,
    backlog: parseInteger(text("backlog") ?? String(DEFAULTS.backlog), "--backlog", 1, 65535),
    graceMs: text("grace") ? parseDuration(text("grace")!, "--grace") : DEFAULTS.graceMs,
    mode: values.stream ? "stream" : "record",
  };
  return { options, json: values.json === true };
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
  const { options, json } = serverOptions(values);
  const stop = new AbortController();
  const server = serve({
    ...options,
    signal: stop.signal,
    onClose: (info) => writeLog(formatClose(info, json)),
    onAcceptError: (error) => writeLog(`echoprobe: Accept failed: ${error.message}`),
  });
  writeResult(formatListening(server.addr, json));

  const onSignal = () => {
    if (stop.signal.aborted) {
      server.close();
      return;
    }
    writeLog(
      json
        ? JSON.stringify({ event: "stopping", active: server.activeConnections })
        : `echoprobe server stopping: ${server.activeConnections} connections open`,
    );
    stop.abort();
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  try {
    writeResult(formatServerSummary(await server.finished, json));
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
  }
  return EXIT.ok;
}
