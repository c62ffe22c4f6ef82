/**
 * Carries out a server plan: serves until a signal, writes the ready line, the
 * connection logs (batched, never waited for), snapshots and the summary.
 *
 * @module
 */

import type { ServerPlan } from "../server.ts";
import { serve } from "../lib/server.ts";
import { AcceptErrorLog } from "./accept_errors.ts";
import { EXIT } from "./exit.ts";
import { LineQueue } from "./line_queue.ts";
import {
  formatAcceptError,
  formatClose,
  formatListening,
  formatReject,
  formatServerSummary,
  formatStats,
  formatStopping,
} from "./server_lines.ts";
import { onSignals } from "./signals.ts";

/**
 * Once stopped, how long the server waits for a write to stdout or stderr that makes
 * no progress (a pipe nobody reads) before it gives the lines up: a reader that is
 * slow but reading gets every line. Nothing is added once the server has stopped, so
 * the wait is bounded.
 */
const STOP_WRITE_STALL_MS = 1_000;

/**
 * Serves until SIGINT, SIGTERM or SIGHUP (graceful; a second signal closes everything).
 *
 * @param plan What `parseServerArgs()` made of the arguments.
 * @returns The exit code: 0 after a stop by signal.
 * @throws {EchoError} Code `listen` when it cannot bind.
 */
export async function runServer(plan: ServerPlan): Promise<number> {
  const { json, log, statsIntervalMs } = plan;
  const logJson = log === "json";
  // Nothing below writes synchronously: a full or closed pipe must not stop serving.
  using results = new LineQueue(Deno.stdout, { batchMs: 0 });
  using logs = new LineQueue(Deno.stderr);
  const logLine = (line: string) => logs.write(line);
  const writeEvent = log === "none" ? () => {} : logLine;
  using acceptErrors = new AcceptErrorLog((error, count) =>
    writeEvent(formatAcceptError(error, logJson, count))
  );
  const stop = new AbortController();
  const server = serve({
    ...plan.options,
    signal: stop.signal,
    onClose: (info) => writeEvent(formatClose(info, logJson)),
    onReject: (info) => writeEvent(formatReject(info, logJson)),
    onAcceptError: (error) => acceptErrors.record(error),
  });
  results.write(formatListening(server.addr, json));

  let previous = server.stats();
  let previousAt = performance.now();
  const statsTimer = statsIntervalMs === undefined ? undefined : setInterval(() => {
    const stats = server.stats();
    const now = performance.now();
    const memory = Deno.memoryUsage();
    logLine(
      formatStats(
        { ...stats, logDropped: logs.dropped },
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
    await logs.drain(STOP_WRITE_STALL_MS);
    results.write(formatServerSummary({ ...summary, logDropped: logs.dropped }, json));
    await results.drain(STOP_WRITE_STALL_MS);
  } finally {
    clearInterval(statsTimer);
  }
  return EXIT.ok;
}
