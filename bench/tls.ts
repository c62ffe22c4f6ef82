/**
 * The TLS workloads (issue 13): echoprobe's own TLS server (`--tls-cert`, `--tls-key`)
 * against the C reference behind a TLS terminator on the same core: socat
 * `OPENSSL-LISTEN` (a process per connection, the TLS engineer's recipe) and stunnel
 * (threads), when it is installed. echoload speaks plain TCP, so the load is:
 *
 * - ping-pong over 32 sessions: bench/tls_load.mjs (Node's `tls`, OpenSSL);
 * - new sessions over 32 loops (a full handshake and a 250-byte echo each):
 *   `echoprobe client --concurrency 32` (node:tls over Deno), the fastest client for
 *   this seen here (bench/tls_load.mjs did half its rate against the same server);
 * - full handshakes from a C client: `openssl s_time -new` (one loop, no echo).
 *
 * The certificate (P-256, for localhost and 127.0.0.1) is made by `openssl req` into
 * .bench-build/bench/. Figures are per second; the load runs on core 1.
 *
 * @module
 */

import { BUILD, ROOT } from "./config.ts";
import { clientLoadRun } from "./client_figures.ts";
import { BACKLOG, echoprobeCommand, PEERS, RunningServer } from "./servers.ts";
import { listeningPort, log, output, signalChild, waitUntil } from "./system.ts";
import { parseEcholoadLine } from "./workloads.ts";

/** The TLS workloads. */
export const TLS_WORKLOAD_NAMES = ["tlsPp32", "tlsConn32", "tlsHandshakes"] as const;
/** A TLS workload's name. */
export type TlsWorkloadName = typeof TLS_WORKLOAD_NAMES[number];
/** The TLS servers, in the order of the first round (later rounds rotate it). */
export const TLS_PEER_KEYS = ["socat", "stunnel", "echoprobe"] as const;
/** A TLS server's key. */
export type TlsPeerKey = typeof TLS_PEER_KEYS[number];

/** One TLS workload: its name in RESULTS.md, and its load client. */
export const TLS_WORKLOADS: Record<TlsWorkloadName, { label: string; load: string }> = {
  tlsPp32: {
    label: "TLS ping-pong, 32 sessions (round trips/s)",
    load: "`node bench/tls_load.mjs pp PORT 32 SECONDS tls.pem`",
  },
  tlsConn32: {
    label: "TLS new sessions + echo, 32 loops (sessions/s)",
    load: "`echoprobe client 127.0.0.1:PORT --ca tls.pem --concurrency 32 --duration SECONDSs`",
  },
  tlsHandshakes: {
    label: "TLS full handshakes, C client, 1 loop (handshakes/s)",
    load: "`openssl s_time -connect 127.0.0.1:PORT -new -time SECONDS`",
  },
};

/** The TLS servers' names in RESULTS.md. */
export const TLS_PEER_LABELS: Record<TlsPeerKey, string> = {
  socat: "C reference behind socat OPENSSL-LISTEN (fork)",
  stunnel: "C reference behind stunnel",
  echoprobe: "echoprobe --tls-cert --tls-key (defaults, backlog 4096)",
};

/** One TLS workload run against one server. */
export interface TlsSample {
  /** Per second. */
  value: number;
  /** Exchanges or handshakes that failed. */
  errors: number;
}

/** What one round measured over TLS, by workload and server. */
export type TlsData = Partial<Record<TlsWorkloadName, Partial<Record<TlsPeerKey, TlsSample>>>>;

/** The certificate and key every TLS server of the benchmark uses. */
export const TLS_FILES = { cert: `${BUILD}tls.pem`, key: `${BUILD}tls.key` } as const;

/** Makes the certificate and its key (P-256, localhost and 127.0.0.1, 30 days). */
export async function makeCertificate(): Promise<void> {
  const request = "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30";
  await output([
    "openssl",
    ...request.split(" "),
    ...["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
    ...["-keyout", TLS_FILES.key, "-out", TLS_FILES.cert],
  ]);
}

/** The TLS servers in round `round`'s order: the first round's list rotated by `round`. */
export function tlsPeerOrder(round: number): TlsPeerKey[] {
  const shift = round % TLS_PEER_KEYS.length;
  return [...TLS_PEER_KEYS.slice(shift), ...TLS_PEER_KEYS.slice(0, shift)];
}

/** echoprobe's TLS server as the benchmark runs it: `--allow-read` for the PEM files. */
export function echoprobeTlsCommand(): string[] {
  const command = echoprobeCommand("--tls-cert", TLS_FILES.cert, "--tls-key", TLS_FILES.key);
  command.splice(command.indexOf("--allow-net") + 1, 0, `--allow-read=${BUILD}`);
  return command;
}

/** socat terminating TLS in front of the reference on `port`. */
export function socatCommand(port: number): string[] {
  return [
    "socat",
    `OPENSSL-LISTEN:0,bind=127.0.0.1,reuseaddr,fork,backlog=${BACKLOG},cert=${TLS_FILES.cert},` +
    `key=${TLS_FILES.key},verify=0,nodelay`,
    `TCP:127.0.0.1:${port},nodelay`,
  ];
}

/**
 * stunnel's configuration: TLS on a port the kernel picks, to the reference on `port`.
 * Without `libwrap = no` and `debug = 3` (errors only), Debian's stunnel 5.68 managed a
 * fifth of the handshakes (345 against 1,624 in 3 s of `openssl s_time -new`).
 */
export function stunnelConfig(port: number): string {
  return [
    "foreground = yes",
    "pid =",
    "debug = 3",
    "[echo]",
    "libwrap = no",
    "accept = 127.0.0.1:0",
    `connect = 127.0.0.1:${port}`,
    `cert = ${TLS_FILES.cert}`,
    `key = ${TLS_FILES.key}`,
    "socket = a:TCP_NODELAY=1",
    "socket = r:TCP_NODELAY=1",
    "",
  ].join("\n");
}

/** The handshakes `openssl s_time` counted: `N connections in T real seconds`. */
export function parseSTime(text: string): number | undefined {
  const match = /(\d+) connections in [\d.]+ real seconds/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** A TLS server of the benchmark, listening on `port`; stop it with `await using`. */
interface TlsServer extends AsyncDisposable {
  port: number;
}

/** A terminator process (socat, stunnel) on core 0, ready once it listens. */
async function terminator(command: string[], fileLimit: number): Promise<TlsServer> {
  const child = new Deno.Command("prlimit", {
    args: [`--nofile=${fileLimit}:${fileLimit}`, "taskset", "-c", "0", ...command],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    signalChild(child, "SIGTERM");
    await child.status;
  };
  try {
    let port: number | undefined;
    await waitUntil(`"${command[0]}" to listen`, async () => {
      port = await listeningPort(child.pid).catch(() => undefined);
      return port !== undefined;
    }, 10_000);
    return { port: port!, [Symbol.asyncDispose]: stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Starts `key`'s server: echoprobe, or the reference and its terminator. */
async function startTlsServer(key: TlsPeerKey, fileLimit: number): Promise<TlsServer> {
  if (key === "echoprobe") {
    const server = await RunningServer.start({
      key: "echoprobe",
      label: TLS_PEER_LABELS.echoprobe,
      command: echoprobeTlsCommand(),
    }, fileLimit);
    return { port: server.port, [Symbol.asyncDispose]: () => server.stop().then(() => {}) };
  }
  const reference = await RunningServer.start(PEERS.reference, fileLimit);
  try {
    let command = socatCommand(reference.port);
    if (key === "stunnel") {
      const config = `${BUILD}stunnel.conf`;
      await Deno.writeTextFile(config, stunnelConfig(reference.port));
      command = ["stunnel", config];
    }
    const front = await terminator(command, fileLimit);
    return {
      port: front.port,
      [Symbol.asyncDispose]: async () => {
        await front[Symbol.asyncDispose]();
        await reference.stop();
      },
    };
  } catch (error) {
    await reference.stop();
    throw error;
  }
}

/** Runs `workload` for `seconds` against a TLS server on `port`, load on core 1. */
export async function measureTls(
  workload: TlsWorkloadName,
  port: number,
  seconds: number,
): Promise<TlsSample> {
  const core1 = ["taskset", "-c", "1"];
  if (workload === "tlsPp32") {
    const text = await output([
      ...core1,
      "node",
      `${ROOT}bench/tls_load.mjs`,
      "pp",
      String(port),
      "32",
      String(seconds),
      TLS_FILES.cert,
    ]);
    const report = parseEcholoadLine(text);
    return { value: Number(report.ops_s), errors: Number(report.errors ?? 0) };
  }
  if (workload === "tlsConn32") {
    // It exits 1 when a probe failed: the report says how many.
    const report = await clientLoadRun([
      Deno.execPath(),
      "run",
      "--allow-net",
      `--allow-read=${BUILD}`,
      `${ROOT}main.ts`,
      "client",
      `127.0.0.1:${port}`,
      "--ca",
      TLS_FILES.cert,
      "--concurrency",
      "32",
      "--duration",
      `${seconds}s`,
      "--json",
    ]);
    return { value: report.perSecond, errors: report.failed };
  }
  const started = performance.now();
  const text = await output([
    ...core1,
    "openssl",
    "s_time",
    "-connect",
    `127.0.0.1:${port}`,
    "-new",
    "-time",
    String(seconds),
  ]);
  const handshakes = parseSTime(text);
  if (handshakes === undefined) throw new Error(`openssl s_time counted nothing: ${text}`);
  return { value: handshakes / ((performance.now() - started) / 1000), errors: 0 };
}

/** Whether stunnel is installed (Debian's `stunnel4`): without it, its row is left out. */
async function hasStunnel(): Promise<boolean> {
  const found = await new Deno.Command("sh", {
    args: ["-c", "command -v stunnel"],
    stdout: "null",
    stderr: "null",
  }).output();
  return found.success;
}

/** The TLS workloads of one round, every server in `order` for each. */
export async function tlsRound(
  order: readonly TlsPeerKey[],
  seconds: number,
  fileLimit: number,
): Promise<TlsData> {
  const data: TlsData = {};
  const peers = await hasStunnel() ? order : order.filter((key) => key !== "stunnel");
  for (const workload of TLS_WORKLOAD_NAMES) {
    const samples: Partial<Record<TlsPeerKey, TlsSample>> = data[workload] = {};
    for (const key of peers) {
      await using server = await startTlsServer(key, fileLimit);
      const sample = await measureTls(workload, server.port, seconds);
      samples[key] = sample;
      log(`  ${workload} ${key}: ${Math.round(sample.value)}/s errors=${sample.errors}`);
    }
  }
  return data;
}
