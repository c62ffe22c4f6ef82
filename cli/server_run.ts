/**
 * Carries out a server plan: serves until a signal, writes the ready lines, the
 * connection logs (batched, never waited for), snapshots and the summary.
 *
 * @module
 */

import type { ServerPlan } from "./server_plan.ts";
import { formatHostPort } from "../lib/address.ts";
import { EchoError } from "../lib/errors.ts";
import { serve } from "../lib/server.ts";
import type { UdpServerStats } from "../lib/udp_server.ts";
import { AcceptErrorLog } from "./accept_errors.ts";
import { EXIT } from "./exit.ts";
import { IdleCollector } from "./idle_collect.ts";
import { ServerOutput } from "./server_output.ts";
import {
  formatAcceptError,
  formatClose,
  formatListening,
  formatMetricsListening,
  formatReject,
  formatServerSummary,
  formatStats,
  formatStopping,
  formatTlsReady,
} from "./server_lines.ts";
import { onSignals } from "./signals.ts";
import { serverCertificate } from "./tls_files.ts";

/** What `--udp --tcp` (cli/udp_server_run.ts) shares with the TCP server it runs. */
export interface BesideUdp {
  /** The process's output, shared: one order of lines, one count of those dropped. */
  output: ServerOutput;
  /** Called right after the listening line: UDP writes its own then. */
  onListening: () => void;
  /** The UDP server's stats, for `--metrics`. */
  udpStats: () => UdpServerStats;
}

/**
 * Serves until SIGINT, SIGTERM or SIGHUP (graceful; a second signal closes everything).
 *
 * @param plan What `parseServerArgs()` made of the arguments.
 * @param udp With `--udp --tcp`: what the UDP server beside it shares.
 * @returns The exit code: 0 after a stop by signal.
 * @throws {EchoError} Code `listen` when it cannot bind.
 */
export async function runServer(plan: ServerPlan, udp?: BesideUdp): Promise<number> {
  const { json, log, statsIntervalMs } = plan;
  const logJson = log === "json";
  // Nothing below writes synchronously: a full or closed pipe must not stop serving.
  using ownOutput = udp ? undefined : new ServerOutput();
  const output = udp?.output ?? ownOutput!;
  const { results, logs } = output;
  const logLine = (line: string) => logs.write(line);
  const writeEvent = log === "none" ? () => {} : logLine;
  using acceptErrors = new AcceptErrorLog((error, count) =>
    writeEvent(formatAcceptError(error, logJson, count))
  );
  const stop = new AbortController();
  // Loaded only with --metrics: a plain server needs none of it.
  const metricsModule = plan.metrics && await import("./server_metrics.ts");
  // TLS (cli/tls_files.ts): the certificate is ready before the server listens.
  const certificate = plan.tls && await serverCertificate(plan.tls.files, plan.options.hostname);
  // Memory back to the system once connections stop coming (cli/idle_collect.ts).
  using idle = new IdleCollector(() => server.stats().connections);
  const server = serve({
    ...plan.options,
    ...(certificate ? { tls: certificate.tls } : {}),
    signal: stop.signal,
    onClose: (info) => {
      writeEvent(formatClose(info, logJson));
      idle.closed();
    },
    onReject: (info) => writeEvent(formatReject(info, logJson)),
    onAcceptError: (error) => acceptErrors.record(error),
  });
  let metrics: Deno.HttpServer<Deno.NetAddr> | undefined;
  if (plan.metrics && metricsModule) {
    try {
      metrics = metricsModule.serveMetrics(plan.metrics, {
        stats: () => server.stats(),
        ...(udp ? { udpStats: udp.udpStats } : {}),
        accepting: () => !stop.signal.aborted,
        logLinesDropped: () => output.logDropped,
        log: logLine,
      });
    } catch (error) {
      await server.close();
      throw metricsListenError(error, plan.metrics);
    }
  }
  // The listening line stays first and unchanged: scripts wait for it. UDP's comes
  // next, then the lines of what else is on.
  results.write(formatListening(server.addr, json));
  udp?.onListening();
  if (metrics) results.write(formatMetricsListening(metrics.addr, json));
  if (certificate) results.write(formatTlsReady(certificate, json));

  let previous = server.stats();
  let previousAt = performance.now();
  const statsTimer = statsIntervalMs === undefined ? undefined : setInterval(() => {
    const stats = server.stats();
    const now = performance.now();
    const memory = Deno.memoryUsage();
    logLine(
      formatStats(
        { ...stats, logDropped: output.logDropped },
        previous,
        now - previousAt,
        memory,
        logJson,
      ),
    );
    previous = stats;
    previousAt = now;
  }, statsIntervalMs);

  // The first signal stops gracefully, a second one closes everything at once.
  // SIGHUP is a closed terminal: stop as for SIGTERM (the lines may have nowhere to go).
  const onSignal = () => {
    if (stop.signal.aborted) {
      server.close();
      return;
    }
    acceptErrors.flush(); // the failures counted so far come before the stopping line
    writeEvent(formatStopping(server.activeConnections, logJson));
    stop.abort();
  };
  try {
    using _signals = onSignals(["SIGINT", "SIGTERM", "SIGHUP"], onSignal);
    const summary = await server.finished;
    clearInterval(statsTimer);
    // The log lines before the summary, for `2>&1`; the summary counts those lost.
    await output.finish((logDropped) => formatServerSummary({ ...summary, logDropped }, json));
  } finally {
    clearInterval(statsTimer);
    await metrics?.shutdown();
  }
  return EXIT.ok;
}

/**
 * The `listen` error of the `--metrics` address, naming the flag: the library's names
 * the address only, which could be taken for the echo server's.
 *
 * @param error What serving the metrics threw.
 * @param address The `--metrics` address.
 * @returns `Cannot listen on --metrics "HOST:PORT": address in use`; any other error as it is.
 */
export function metricsListenError(
  error: unknown,
  address: { hostname: string; port: number },
): unknown {
  if (!(error instanceof EchoError) || error.code !== "listen") return error;
  const where = `"${formatHostPort(address.hostname, address.port)}"`;
  const prefix = `Cannot listen on ${where}`;
  const message = error.message.startsWith(prefix)
    ? `Cannot listen on --metrics ${where}${error.message.slice(prefix.length)}`
    : `${error.message} (--metrics)`;
  // Caused by the library's error, not by the bind's: UDP's retry of a port that TCP
  // found taken (cli/udp_server_run.ts) is for the echo port, not this one.
  return new EchoError("listen", message, { cause: error });
}
