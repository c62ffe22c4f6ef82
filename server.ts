/**
 * `echoprobe server`: its flags, and the entry that parses them into a plan
 * (`cli/server_plan.ts`) and runs it (`cli/server_run.ts`, or `cli/udp_server_run.ts`
 * with `--udp`).
 *
 * @module
 */

import { DEFAULTS } from "./lib/defaults.ts";
import { formatDuration } from "./lib/units.ts";
import { checkPermissions, EXIT } from "./cli/exit.ts";
import { type FlagTable, helpText, parseFlags } from "./cli/flags.ts";
import { writeText } from "./cli/output.ts";
import { type ServerPlan, serverPlan } from "./cli/server_plan.ts";

export type { ServerPlan };

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
  metrics: {
    type: "string",
    value: "HOST:PORT",
    help: "Serve Prometheus /metrics and /healthz here; port 0 picks one (default: off)",
  },
  // UDP (cli/udp_server_plan.ts): --host, --port, --size and --allow apply to it too.
  udp: { type: "boolean", help: "Serve UDP echo instead of TCP (add --tcp for both)" },
  tcp: { type: "boolean", help: "With --udp: serve TCP too, on the same port number" },
  "udp-rate": {
    type: "string",
    value: "PER_SECOND",
    shows: String(DEFAULTS.udpSourceRate),
    help: "UDP: answers per second to one source address",
  },
  "udp-burst": {
    type: "string",
    value: "N",
    shows: String(DEFAULTS.udpSourceBurst),
    help: "UDP: answers one source address may get at once",
  },
  "udp-global-rate": {
    type: "string",
    value: "PER_SECOND",
    shows: String(DEFAULTS.udpGlobalRate),
    help: "UDP: answers per second to all sources together",
  },
  "udp-global-burst": {
    type: "string",
    value: "N",
    shows: String(DEFAULTS.udpGlobalBurst),
    help: "UDP: answers all sources together may get at once",
  },
  "udp-log-interval": {
    type: "string",
    value: "DURATION",
    shows: formatDuration(DEFAULTS.udpLogIntervalMs),
    help: "UDP: log a summary per source address this often (never per datagram)",
  },
  tls: {
    type: "boolean",
    help: "Serve over TLS, with a certificate made at start-up unless --tls-cert gives one",
  },
  "tls-cert": {
    type: "string",
    value: "FILE",
    help: "TLS certificate chain (PEM), with --tls-key; - reads standard input",
  },
  "tls-key": {
    type: "string",
    value: "FILE",
    help: "Private key of --tls-cert (PEM); - reads standard input (one PEM text holds both)",
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
    'With --metrics, a second stdout line: "echoprobe server metrics on HOST:PORT".',
    "With --udp it echoes each datagram of at most --size bytes to its sender,",
    "except to reflector source ports (0, 7, 13, 19, 37, 53, 123, 161, 1900, 11211)",
    "and beyond the rate limits; it needs Deno's --unstable-net.",
  ].join("\n"),
  SERVER_FLAGS,
  [
    "echoprobe server",
    "echoprobe server --host 127.0.0.1 --port 0 --timeout 5s",
    "echoprobe server --stream --json",
    "echoprobe server --allow 10.0.0.0/8 --allow fd00::/8 --max-per-ip 16 --stats-interval 10s",
    "echoprobe server --metrics 127.0.0.1:3007",
    "echoprobe server --udp --tcp --port 3005 --udp-rate 100",
    "echoprobe server --tls --port 3443",
    "cat cert.pem key.pem | echoprobe server --tls-cert - --tls-key -",
  ],
  "0 stopped by a signal (SIGINT, SIGTERM, SIGHUP), 2 usage error, 3 could not start",
);

/**
 * Turns the server's arguments into a plan: a pure function, tested without a socket.
 *
 * @param args The arguments after `server`.
 * @returns The plan.
 * @throws {UsageError} For an unknown flag or a value out of range, naming the flag.
 */
export function parseServerArgs(args: string[]): ServerPlan {
  const { values } = parseFlags("server", SERVER_FLAGS, args, false);
  return serverPlan(values);
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
  // After the help and the usage errors, which need no permission.
  checkPermissions();
  if (plan.udp) {
    // UDP alone, or beside TCP on one port number: cli/udp_server_run.ts.
    const { runUdpServer } = await import("./cli/udp_server_run.ts");
    return await runUdpServer(plan, plan.udp);
  }
  // Loaded after parsing: `--help` and usage errors need none of it.
  const { runServer } = await import("./cli/server_run.ts");
  return await runServer(plan);
}
