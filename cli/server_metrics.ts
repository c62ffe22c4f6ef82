/**
 * `echoprobe server --metrics HOST:PORT`: the server's counters in the Prometheus
 * text format on a second listener (HTTP `/metrics`), and `/healthz` while it accepts;
 * TCP's, UDP's (`--udp`), or both.
 *
 * @module
 */

import { listenError } from "../lib/listen.ts";
import type { ServerStats } from "../lib/serve_options.ts";
import type { UdpServerStats } from "../lib/udp_server.ts";
import {
  buildInfoFamily,
  type MetricFamily,
  METRICS_CONTENT_TYPE,
  processFamilies,
  renderMetrics,
} from "./metrics_text.ts";

/** Where the metrics come from: read on each scrape. */
export interface ServerMetricsSource {
  /** The TCP server's totals and what it holds now; none with `--udp` alone. */
  stats?: () => ServerStats;
  /** The UDP server's totals and what it tracks now, where one runs (`--udp`). */
  udpStats?: () => UdpServerStats;
  /** Whether it accepts connections (not stopping). */
  accepting(): boolean;
  /** Log lines dropped so far because stderr could not keep up. */
  logLinesDropped(): number;
  /** Writes a line to the server's log (an unexpected error of the handler). */
  log(line: string): void;
}

/** A counter of one unlabelled sample. */
function counter(name: string, help: string, value: number): MetricFamily {
  return { name, type: "counter", help, samples: [{ value }] };
}

/**
 * The server's metric families.
 *
 * @param stats The TCP server's stats now; `undefined` without TCP (`--udp` alone).
 * @param logLinesDropped Log lines dropped so far.
 * @param rssBytes Resident memory now.
 * @param startTimeMs When the process started, in milliseconds since the epoch.
 * @param udp The UDP server's stats now, where one runs.
 * @returns The families: counters since start, gauges of now.
 */
export function serverFamilies(
  stats: ServerStats | undefined,
  logLinesDropped: number,
  rssBytes: number,
  startTimeMs: number,
  udp?: UdpServerStats,
): MetricFamily[] {
  return [
    ...(stats ? tcpFamilies(stats) : []),
    ...(udp ? udpFamilies(udp) : []),
    counter(
      "echoprobe_server_log_lines_dropped_total",
      "Log lines dropped because stderr could not keep up",
      logLinesDropped,
    ),
    buildInfoFamily(),
    ...processFamilies(rssBytes, startTimeMs),
  ];
}

/** The TCP server's families. */
function tcpFamilies(stats: ServerStats): MetricFamily[] {
  return [
    counter(
      "echoprobe_server_connections_total",
      "Connections accepted and served",
      stats.connections,
    ),
    {
      name: "echoprobe_server_connections_active",
      type: "gauge",
      help: "Connections open now",
      samples: [{ value: stats.active }],
    },
    {
      name: "echoprobe_server_connections_in_flight",
      type: "gauge",
      help: "Open connections with part of a record read and not yet echoed",
      samples: [{ value: stats.inFlight }],
    },
    {
      name: "echoprobe_server_connections_rejected_total",
      type: "counter",
      help: "Connections closed at accept, by the rule that closed them",
      samples: Object.entries(stats.rejectedBy).map(([reason, value]) => ({
        labels: { reason },
        value,
      })),
    },
    {
      name: "echoprobe_server_connections_closed_total",
      type: "counter",
      help: "Connections closed after they were served, by why they closed",
      samples: Object.entries(stats.closedBy).map(([reason, value]) => ({
        labels: { reason },
        value,
      })),
    },
    counter("echoprobe_server_records_total", "Full records echoed", stats.records),
    counter(
      "echoprobe_server_echoed_bytes_total",
      "Bytes echoed, partial records included",
      stats.bytes,
    ),
  ];
}

/** The UDP server's families: its refusals by reason, every reason (0 included). */
function udpFamilies(stats: UdpServerStats): MetricFamily[] {
  return [
    counter(
      "echoprobe_server_udp_datagrams_received_total",
      "UDP datagrams received",
      stats.received,
    ),
    counter(
      "echoprobe_server_udp_datagrams_answered_total",
      "UDP datagrams echoed",
      stats.answered,
    ),
    counter("echoprobe_server_udp_echoed_bytes_total", "Bytes echoed over UDP", stats.bytes),
    {
      name: "echoprobe_server_udp_datagrams_refused_total",
      type: "counter",
      help: "UDP datagrams not answered, by the guard that refused them",
      samples: Object.entries(stats.refused).map(([reason, value]) => ({
        labels: { reason },
        value,
      })),
    },
    counter(
      "echoprobe_server_udp_send_errors_total",
      "UDP echoes the system would not send",
      stats.sendErrors,
    ),
    {
      name: "echoprobe_server_udp_sources",
      type: "gauge",
      help: "Source addresses tracked now (rate limits and logs)",
      samples: [{ value: stats.sources }],
    },
  ];
}

/**
 * The metrics listener's handler: `/metrics`, `/healthz` (200 while the server
 * accepts, 503 once it is stopping), 404 for the rest.
 *
 * @param source Where the values come from.
 * @returns A `Deno.serve` handler.
 */
export function serverMetricsHandler(source: ServerMetricsSource): (request: Request) => Response {
  return (request) => {
    const { pathname } = new URL(request.url);
    const text = (status: number, body: string) =>
      new Response(`${body}\n`, {
        status,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    switch (pathname) {
      case "/metrics":
        return new Response(
          renderMetrics(
            serverFamilies(
              source.stats?.(),
              source.logLinesDropped(),
              Deno.memoryUsage().rss,
              performance.timeOrigin,
              source.udpStats?.(),
            ),
          ),
          { headers: { "content-type": METRICS_CONTENT_TYPE } },
        );
      case "/healthz":
        return source.accepting() ? text(200, "ok") : text(503, "stopping");
      default:
        return text(404, `Not found: ${pathname} (see /metrics, /healthz)`);
    }
  };
}

/**
 * Serves the server's metrics on their own HTTP listener.
 *
 * @param address Where to listen; port 0 picks a free one.
 * @param source Where the values come from.
 * @returns The HTTP server: read the real port from `addr`, shut it down when done.
 * @throws {EchoError} Code `listen` when the address cannot be bound.
 */
export function serveMetrics(
  address: { hostname: string; port: number },
  source: ServerMetricsSource,
): Deno.HttpServer<Deno.NetAddr> {
  try {
    return Deno.serve({
      ...address,
      onListen: () => {}, // the server's ready output names the address
      onError: (error) => {
        source.log(`metrics: unexpected error: ${(error as Error).message ?? error}`);
        return new Response("Internal error\n", { status: 500 });
      },
    }, serverMetricsHandler(source));
  } catch (error) {
    throw listenError(address.hostname, address.port, error);
  }
}
