/**
 * Carries out a server plan: serves until a signal, writes the ready line, the
 * connection logs (batched), snapshots and the summary.
 *
 * @module
 */

import type { ServerPlan } from "../server.ts";
import { serve } from "../lib/server.ts";
import { EXIT } from "./exit.ts";
import { LogBatch, writeResult } from "./output.ts";
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

/**
 * Log lines dropped: 0, as the log batch does not count drops yet. The trust-server
 * branch makes the log writer count them; its count replaces this function.
 */
function logLinesDroppedNotCounted(): number {
  return 0;
}

/**
 * Serves until SIGINT or SIGTERM (graceful; a second signal closes everything).
 *
 * @param plan What `parseServerArgs()` made of the arguments.
 * @param onListening Called right after the ready line (`--udp --tcp` writes its own then).
 * @returns The exit code: 0 after a stop by signal.
 * @throws {EchoError} Code `listen` when it cannot bind.
 */
export async function runServer(plan: ServerPlan, onListening?: () => void): Promise<number> {
  const { json, log, statsIntervalMs } = plan;
  const logJson = log === "json";
  // Every stderr line of the running server goes through the batch, in order.
  using logBatch = new LogBatch();
  const logLine = (line: string) => logBatch.write(line);
  const writeEvent = log === "none" ? () => {} : logLine;
  const stop = new AbortController();
  // Loaded only with --metrics: a plain server needs none of it.
  const metricsModule = plan.metrics && await import("./server_metrics.ts");
  // TLS (cli/tls_files.ts): the certificate is ready before the server listens.
  const certificate = plan.tls && await serverCertificate(plan.tls.files, plan.options.hostname);
  const server = serve({
    ...plan.options,
    ...(certificate ? { tls: certificate.tls } : {}),
    signal: stop.signal,
    onClose: (info) => writeEvent(formatClose(info, logJson)),
    onReject: (info) => writeEvent(formatReject(info, logJson)),
    onAcceptError: (error) => writeEvent(formatAcceptError(error, logJson)),
  });
  let metrics: Deno.HttpServer<Deno.NetAddr> | undefined;
  if (plan.metrics && metricsModule) {
    try {
      metrics = metricsModule.serveMetrics(plan.metrics, {
        stats: () => server.stats(),
        accepting: () => !stop.signal.aborted,
        logLinesDropped: logLinesDroppedNotCounted,
        log: logLine,
      });
    } catch (error) {
      await server.close();
      throw error;
    }
  }
  // The listening line stays first and unchanged: scripts wait for it.
  writeResult(formatListening(server.addr, json));
  if (metrics) writeResult(formatMetricsListening(metrics.addr, json));
  if (certificate) writeResult(formatTlsReady(certificate, json));
  onListening?.();

  let previous = server.stats();
  let previousAt = performance.now();
  const statsTimer = statsIntervalMs === undefined ? undefined : setInterval(() => {
    const stats = server.stats();
    const now = performance.now();
    logLine(formatStats(stats, previous, now - previousAt, Deno.memoryUsage(), logJson));
    previous = stats;
    previousAt = now;
  }, statsIntervalMs);

  // The first signal stops gracefully, a second one closes everything at once.
  const onSignal = () => {
    if (stop.signal.aborted) {
      server.close();
      return;
    }
    writeEvent(formatStopping(server.activeConnections, logJson));
    stop.abort();
  };
  try {
    using _signals = onSignals(["SIGINT", "SIGTERM"], onSignal);
    const summary = await server.finished;
    logBatch.flush(); // the log lines before the summary, for `2>&1`
    writeResult(formatServerSummary(summary, json));
  } finally {
    clearInterval(statsTimer);
    await metrics?.shutdown();
  }
  return EXIT.ok;
}
