/**
 * Carries out `echoprobe server --udp`: UDP alone, or beside TCP on the same port
 * number (UDP binds first, TCP takes its port), with per-source logs, snapshots and
 * the summary.
 *
 * @module
 */

import type { ServerPlan } from "./server_plan.ts";
import { DEFAULTS } from "../lib/defaults.ts";
import { EchoError } from "../lib/errors.ts";
import { serveUdp, type UdpEchoServer } from "../lib/udp_server.ts";
import { checkUnstableNet, EXIT } from "./exit.ts";
import { ServerOutput } from "./server_output.ts";
import { formatMetricsListening } from "./server_lines.ts";
import { metricsListenError, runServer } from "./server_run.ts";
import { onSignals } from "./signals.ts";
import type { UdpServerPlan } from "./udp_server_plan.ts";
import {
  formatUdpError,
  formatUdpListening,
  formatUdpSources,
  formatUdpStats,
  formatUdpSummary,
} from "./udp_server_lines.ts";

/** Sources logged one by one per period; the rest go on one line, added up. */
const LOGGED_SOURCES = 20;
/** With `--port 0`, times to try another port when TCP finds UDP's taken. */
const PORT_TRIES = 10;

/**
 * Serves UDP (and TCP with `--tcp`) until SIGINT, SIGTERM or SIGHUP. UDP stops at the
 * first signal: it has nothing in flight to let finish. Its lines go through the
 * same queues as TCP's (cli/server_output.ts): nothing waits for stdout or stderr.
 *
 * @param plan What `parseServerArgs()` made of the arguments.
 * @param udp Its UDP part.
 * @returns The exit code: 0 after a stop by signal.
 * @throws {PermissionError} Without `--unstable-net`; {@linkcode EchoError} code `listen`
 *   when it cannot bind.
 */
export async function runUdpServer(plan: ServerPlan, udp: UdpServerPlan): Promise<number> {
  checkUnstableNet();
  // One output for UDP and TCP: their lines in one order, their drops in one count.
  using output = new ServerOutput();
  const logJson = plan.log === "json";
  // With --tcp the TCP run serves the metrics of both; UDP alone serves its own.
  const metricsModule = plan.metrics && !udp.tcp && await import("./server_metrics.ts");
  for (let tries = 1;; tries++) {
    const stop = new AbortController();
    const server = serveUdp({
      ...udp.options,
      signal: stop.signal,
      onError: (error) => output.logs.write(formatUdpError(error, logJson)),
    });
    let listening = false;
    const ready = () => {
      listening = true;
      output.results.write(formatUdpListening(server.addr, plan.json));
    };
    let metrics: Deno.HttpServer<Deno.NetAddr> | undefined;
    try {
      using logs = new UdpLogs(server, plan, udp, output);
      // SIGHUP is a closed terminal: a stop as for SIGTERM.
      using _signals = onSignals(["SIGINT", "SIGTERM", "SIGHUP"], () => stop.abort());
      let code: number = EXIT.ok;
      if (udp.tcp) {
        code = await runServer(
          { ...plan, options: { ...plan.options, port: server.addr.port } },
          { output, onListening: ready, udpStats: () => server.stats() },
        );
      } else {
        if (plan.metrics && metricsModule) {
          try {
            metrics = metricsModule.serveMetrics(plan.metrics, {
              udpStats: () => server.stats(),
              accepting: () => !stop.signal.aborted,
              logLinesDropped: () => output.logDropped,
              log: (line) => output.logs.write(line),
            });
          } catch (error) {
            throw metricsListenError(error, plan.metrics);
          }
        }
        ready();
        if (metrics) output.results.write(formatMetricsListening(metrics.addr, plan.json));
      }
      const summary = await server.finished;
      logs.flush();
      // The log lines before the summary, for `2>&1`; the summary counts those lost.
      await output.finish((logDropped) => formatUdpSummary({ ...summary, logDropped }, plan.json));
      return code;
    } catch (error) {
      await server.close();
      // `--port 0`: UDP took a free port whose TCP side another program holds.
      const picked = udp.tcp && (udp.options.port ?? DEFAULTS.port) === 0;
      if (!listening && picked && tries < PORT_TRIES && isAddressInUse(error)) continue;
      throw error;
    } finally {
      await metrics?.shutdown();
    }
  }
}

function isAddressInUse(error: unknown): boolean {
  return error instanceof EchoError && error.code === "listen" &&
    error.cause instanceof Deno.errors.AddrInUse;
}

/** The UDP server's periodic lines: per-source summaries and, if asked, snapshots. */
class UdpLogs implements Disposable {
  readonly #server: UdpEchoServer;
  readonly #write: (line: string) => void;
  readonly #json: boolean;
  readonly #sourceTimer: ReturnType<typeof setInterval>;
  readonly #statsTimer: ReturnType<typeof setInterval> | undefined;
  #periodStart = performance.now();

  constructor(server: UdpEchoServer, plan: ServerPlan, udp: UdpServerPlan, output: ServerOutput) {
    this.#server = server;
    this.#json = plan.log === "json";
    // --log none silences the source lines; the table is still reported, to forget the
    // sources gone quiet.
    this.#write = plan.log === "none" ? () => {} : (line) => output.logs.write(line);
    this.#sourceTimer = setInterval(
      () => this.flush(),
      udp.logIntervalMs ?? DEFAULTS.udpLogIntervalMs,
    );
    const { statsIntervalMs } = plan;
    if (statsIntervalMs === undefined) return;
    let previous = server.stats();
    let previousAt = performance.now();
    this.#statsTimer = setInterval(() => {
      const stats = server.stats();
      const now = performance.now();
      output.logs.write(
        formatUdpStats(
          { ...stats, logDropped: output.logDropped },
          previous,
          now - previousAt,
          this.#json,
        ),
      );
      previous = stats;
      previousAt = now;
    }, statsIntervalMs);
  }

  /** Logs the sources of the period now ending. */
  flush(): void {
    const now = performance.now();
    const report = this.#server.takeSources(LOGGED_SOURCES);
    for (const line of formatUdpSources(report, now - this.#periodStart, this.#json)) {
      this.#write(line);
    }
    this.#periodStart = now;
  }

  [Symbol.dispose](): void {
    clearInterval(this.#sourceTimer);
    clearInterval(this.#statsTimer);
  }
}
