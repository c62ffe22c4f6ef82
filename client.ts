/**
 * `echoprobe client`: its flags, and the entry that parses them into a plan
 * (`cli/client_plan.ts`) and runs it (`cli/client_run.ts`).
 *
 * @module
 */

import { DEFAULTS } from "./lib/defaults.ts";
import { formatDuration } from "./lib/units.ts";
import { type ClientPlan, clientPlan } from "./cli/client_plan.ts";
import { checkPermissions, EXIT } from "./cli/exit.ts";
import { type FlagTable, helpText, parseFlags } from "./cli/flags.ts";
import { writeText } from "./cli/output.ts";

export type { ClientPlan };

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
    help:
      "Probes to send; 0 sends until Ctrl-C, --deadline or --until-ok (--duration in load mode)",
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
    help: "Deadline of resolving HOST, of the connect, and separately of each echo",
  },
  "until-ok": {
    type: "boolean",
    help: "Stop at the first good probe and exit 0 (exit 1 if none by --deadline)",
  },
  reuse: {
    type: "boolean",
    help: "One connection for all probes (reconnects once if it drops); later probes time the echo",
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
  "attempt-delay": {
    type: "string",
    value: "DURATION",
    shows: formatDuration(DEFAULTS.attemptDelayMs),
    help: "A name with several addresses: start the next connect this long after the last",
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
  udp: {
    type: "boolean",
    help: "Probe over UDP: a datagram per probe (header and payload, --size in all); " +
      "loss, duplicates, reordering, jitter",
  },
  "connect-only": {
    type: "boolean",
    help: "Time the connect (and TLS handshake), send nothing, close: any TCP service",
  },
  tls: {
    type: "boolean",
    help: "Speak TLS, verifying the certificate chain and name as curl does",
  },
  ca: {
    type: "string",
    value: "FILE",
    help: "Trust these CA certificates (PEM) instead of the root store; - reads stdin",
  },
  sni: {
    type: "string",
    value: "NAME",
    help: "Name to send (SNI) and verify (default: HOST when it is a name)",
  },
  "insecure-skip-verify": {
    type: "boolean",
    help: "Accept any certificate but a --ca or --pin-sha256 mismatch; marks results UNVERIFIED",
  },
  "pin-sha256": {
    type: "string",
    value: "HEX",
    help: "Require this certificate SHA-256 fingerprint (as the TLS server prints it)",
  },
  help: { type: "boolean", short: "h", help: "Show this help" },
} as const satisfies FlagTable;

/** `echoprobe client --help`. */
export const CLIENT_HELP = helpText(
  "echoprobe client [flags] HOST[:PORT]",
  [
    "Probes an echo server: connects, sends --size bytes, reads them back, checks",
    "every byte (and that nothing more comes), and times resolve, connect, first",
    "echoed byte and full echo. HOST is a dotted IPv4 address, an IPv6 literal",
    "([::1]:3005, or ::1 with --port) or a name, resolved as the system does",
    "(/etc/hosts included); each of its addresses is tried in turn (RFC 8305). One",
    "line per probe and a summary on stdout (Ctrl-C, SIGTERM and SIGHUP print the",
    "summary too, then exit 130, as a closed stdout does: `| head -1`); exit 0 when",
    "every probe succeeded, 1 when any failed (see --max-loss, --until-ok).",
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
    "echoprobe client 127.0.0.1 --udp --count 100 --interval 10ms --timeout 1s",
    "echoprobe client db.internal:5432 --connect-only --count 5",
    "echoprobe client example.com:443 --tls --connect-only",
    "echoprobe client 10.0.0.7:3005 --tls --insecure-skip-verify --pin-sha256 3B:A9:...:7C",
  ],
  "0 ok, 1 a check failed, 2 usage error, 3 could not start (or write stdout),\n" +
    "  130 interrupted (Ctrl-C, SIGTERM, SIGHUP, or stdout closed), after the summary",
);

/**
 * Turns the client's arguments into a plan: a pure function, tested without a socket.
 *
 * @param args The arguments after `client`.
 * @returns The plan.
 * @throws {UsageError} For a missing or extra HOST, or a value out of range, naming the flag.
 */
export function parseClientArgs(args: string[]): ClientPlan {
  const { values, positionals } = parseFlags("client", CLIENT_FLAGS, args, true);
  return clientPlan(values, positionals);
}

/**
 * Runs `echoprobe client`.
 *
 * @param args The arguments after `client`.
 * @returns The exit code: 0 when every probe succeeded, 1 when any failed
 *   (or, with --max-loss, when the loss is above it), 130 after Ctrl-C, SIGTERM or
 *   SIGHUP, or once stdout closed.
 * @throws {UsageError} For bad flags or a bad HOST.
 */
export async function clientCommand(args: string[]): Promise<number> {
  const plan = parseClientArgs(args);
  if (plan.help) {
    writeText(CLIENT_HELP);
    return EXIT.ok;
  }
  // After the help and the usage errors, which need no permission.
  checkPermissions();
  // Loaded after parsing: `--help` and usage errors need none of it.
  const { runClient } = await import("./cli/client_run.ts");
  return await runClient(plan);
}
