/**
 * The exporter's HTTP handler: `/probe` (parameters, the concurrency bound, the
 * series, the metrics), `/metrics`, `/healthz`. No socket of its own: `Deno.serve`
 * calls it, and tests can too.
 *
 * @module
 */

import { checkUnstableNet, PermissionError } from "./exit.ts";
import { type ExporterCounts, exporterFamilies, probeFamilies } from "./exporter_metrics.ts";
import { ParamError, probeRequest, SCRAPE_TIMEOUT_HEADER } from "./exporter_params.ts";
import { runProbe } from "./exporter_probe.ts";
import { runUdpProbe } from "./exporter_udp.ts";
import { METRICS_CONTENT_TYPE, renderMetrics } from "./metrics_text.ts";

/** How the exporter answers. */
export interface ExporterSettings {
  /** Probe series that may run at once; more get 503. */
  maxConcurrent: number;
  /** Milliseconds taken off the scrape timeout. */
  timeoutOffsetMs: number;
  /** Aborts when the exporter stops: running series end, new ones are refused. */
  stopping: AbortSignal;
  /** The CA certificates (PEM) of `--ca`: TLS probes trust them in place of the root store. */
  caCerts?: readonly string[];
}

const INDEX = `echoprobe exporter
  /probe?target=HOST:PORT  probe an echo server (proto=udp, tls=1, connect_only=1: see --help)
  /metrics                 the exporter's own metrics
  /healthz                 200 while it serves
`;

/** A plain-text answer of one line (or a few). */
function text(status: number, body: string): Response {
  return new Response(body.endsWith("\n") ? body : `${body}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

function metrics(body: string): Response {
  return new Response(body, { headers: { "content-type": METRICS_CONTENT_TYPE } });
}

/** The exporter's endpoints and what it has counted. */
export class ExporterHandler {
  /** Its counts, for its own `/metrics` and the summary line. */
  readonly counts: ExporterCounts;
  readonly #settings: ExporterSettings;

  /** @param settings The bound, the offset and the stop signal. */
  constructor(settings: ExporterSettings) {
    this.#settings = settings;
    this.counts = {
      probes: { success: 0, failure: 0 },
      rejected: { invalid: 0, busy: 0, unsupported: 0 },
      inFlight: 0,
      maxConcurrent: settings.maxConcurrent,
    };
  }

  /**
   * Answers one HTTP request (a `Deno.serve` handler).
   *
   * @param request The request.
   * @returns The response.
   */
  readonly handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method not allowed: use GET\n", {
        status: 405,
        headers: { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" },
      });
    }
    switch (url.pathname) {
      case "/probe":
        return await this.#probe(url, request);
      case "/metrics":
        return metrics(
          renderMetrics(
            exporterFamilies(this.counts, Deno.memoryUsage().rss, performance.timeOrigin),
          ),
        );
      case "/healthz":
        return this.#settings.stopping.aborted ? text(503, "stopping") : text(200, "ok");
      case "/":
        return text(200, INDEX);
      default:
        return text(404, `Not found: ${url.pathname} (see /)`);
    }
  };

  async #probe(url: URL, request: Request): Promise<Response> {
    const { maxConcurrent, timeoutOffsetMs, stopping, caCerts } = this.#settings;
    let probe;
    try {
      probe = probeRequest(
        url.searchParams,
        request.headers.get(SCRAPE_TIMEOUT_HEADER),
        timeoutOffsetMs,
        caCerts,
      );
    } catch (error) {
      if (!(error instanceof ParamError)) throw error;
      this.counts.rejected.invalid++;
      return text(400, error.message);
    }
    if (probe.proto === "udp") {
      try {
        checkUnstableNet();
      } catch (error) {
        // The exporter's setup, not the request, is at fault: 501, with how to fix it.
        if (!(error instanceof PermissionError)) throw error;
        this.counts.rejected.unsupported++;
        return text(501, `proto=udp: ${error.message}`);
      }
    }
    if (stopping.aborted) return text(503, "Stopping: no new probes");
    if (this.counts.inFlight >= maxConcurrent) {
      this.counts.rejected.busy++;
      return text(
        503,
        `Busy: ${this.counts.inFlight} probe series running, the most at once (--max-concurrent ${maxConcurrent})`,
      );
    }
    this.counts.inFlight++;
    let report;
    try {
      // Not `request.signal`: Deno 2.9 aborts it after every response too (and warns).
      // The series ends within the scrape's time anyway, whether or not the scraper waits.
      report = probe.proto === "udp"
        ? await runUdpProbe(probe, stopping)
        : await runProbe(probe, stopping);
    } finally {
      this.counts.inFlight--;
    }
    if (report === undefined) return text(503, "Stopping: the probe series was cut short");
    this.counts.probes[report.success ? "success" : "failure"]++;
    return metrics(renderMetrics(probeFamilies(report)));
  }
}
