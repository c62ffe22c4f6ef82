/**
 * What the exporter answers: a `/probe` report as metric families (blackbox's names
 * where the meaning is the same, `probe_echo_*` for what only an echo has; TLS's and
 * UDP's own in cli/exporter_protocol_metrics.ts), and the exporter's own `/metrics`.
 * Pure.
 *
 * @module
 */

import type { ProbeReport } from "./exporter_probe.ts";
import { PHASES } from "./exporter_probe.ts";
import { jitterFamily, tlsFamilies, udpFamilies } from "./exporter_protocol_metrics.ts";
import {
  buildInfoFamily,
  type MetricFamily,
  processFamilies,
  type Sample,
  seconds,
} from "./metrics_text.ts";

/** A gauge of one unlabelled sample. */
function gauge(name: string, help: string, value: number): MetricFamily {
  return { name, type: "gauge", help, samples: [{ value }] };
}

/**
 * The metric families of one `/probe` answer. Every series of the probe's kind but
 * the mismatch details and the TLS handshake's is always there, so a failing target
 * keeps its series (`NaN` where a value is not known).
 *
 * @param report What the series found.
 * @returns The families, in a fixed order.
 */
export function probeFamilies(report: ProbeReport): MetricFamily[] {
  const { summary } = report;
  const families: MetricFamily[] = [
    gauge(
      "probe_success",
      "1 when the probe series succeeded (every echo came back whole and unchanged, or the loss within max_loss), else 0",
      report.success ? 1 : 0,
    ),
    gauge(
      "probe_duration_seconds",
      "How long the probe series took, in seconds",
      seconds(report.durationMs),
    ),
    gauge(
      "probe_dns_lookup_time_seconds",
      "Time spent resolving the target's name, in seconds (0 for an IP address)",
      seconds(report.dnsLookupMs),
    ),
    gauge(
      "probe_ip_protocol",
      "IP version of the target's address: 4 or 6 (0 when it did not resolve)",
      report.ipFamily ?? 0,
    ),
    gauge(
      "probe_failed_due_to_bytes",
      "1 when an echo came back with bytes other than those sent, else 0",
      report.failedDueToBytes ? 1 : 0,
    ),
    report.proto === "udp"
      ? {
        name: "probe_udp_duration_seconds",
        type: "gauge",
        help: "Seconds per phase: resolve, rtt (mean round trip of the answered probes)",
        samples: [
          { labels: { phase: "resolve" }, value: seconds(report.phasesMs.resolve) },
          {
            labels: { phase: "rtt" },
            value: summary.received ? seconds(summary.avgMs) : 0,
          },
        ],
      }
      : {
        name: "probe_tcp_duration_seconds",
        type: "gauge",
        help:
          "Seconds per phase, mean of the successful probes: resolve, connect, tls (the handshake; 0 without TLS), first_byte (first echoed byte), echo (the rest of the echo)",
        samples: PHASES.map((phase) => ({
          labels: { phase },
          value: seconds(report.phasesMs[phase]),
        })),
      },
    ...tlsFamilies(report),
    gauge("probe_echo_probes_sent", "Probes sent in the series", summary.transmitted),
    gauge(
      "probe_echo_probes_received",
      "Probes that succeeded: the echo came back whole and unchanged (connect_only=1: connected)",
      summary.received,
    ),
    gauge(
      "probe_echo_loss_ratio",
      "Failed probes over probes sent, from 0 to 1",
      summary.transmitted ? (summary.transmitted - summary.received) / summary.transmitted : 0,
    ),
    ...udpFamilies(report),
    ...rttFamilies(report),
  ];
  if (report.proto === "tcp") {
    families.push(
      gauge(
        "probe_echo_connect_attempts_failed",
        "Connection attempts of the series that failed, those another address made up for (RFC 8305) included",
        report.failedAttempts,
      ),
    );
  }
  if (report.mismatch) {
    families.push(
      gauge(
        "probe_echo_mismatch_offset_bytes",
        "Offset of the first byte that came back changed, from 0 (first mismatching probe)",
        report.mismatch.offset,
      ),
      gauge(
        "probe_echo_mismatch_differing_bytes",
        "How many bytes came back changed (first mismatching probe)",
        report.mismatch.differing,
      ),
    );
  }
  families.push({
    name: "probe_error_info",
    type: "gauge",
    help:
      "1 for each failure of the series: code (resolve, refused, timeout, reset, tls, short, mismatch, extra, error), phase where known (resolve, connect, tls, echo), reason of a tls failure",
    samples: report.errors.map((labels): Sample => ({ labels: { ...labels }, value: 1 })),
  });
  return families;
}

/** The round-trip statistics of the successful probes, as the client's summary gives them. */
function rttFamilies(report: ProbeReport): MetricFamily[] {
  const { summary } = report;
  const rtt = (stat: string, what: string, ms: number) =>
    gauge(
      `probe_echo_rtt_${stat}_seconds`,
      `${what} round trip of the successful probes, in seconds (NaN when none succeeded)`,
      seconds(ms),
    );
  return [
    rtt("min", "Fastest", summary.minMs),
    rtt("avg", "Mean", summary.avgMs),
    rtt("max", "Slowest", summary.maxMs),
    rtt("p50", "Median (within 1%)", summary.p50Ms),
    rtt("p90", "90th percentile (within 1%)", summary.p90Ms),
    rtt("p99", "99th percentile (within 1%)", summary.p99Ms),
    rtt("mdev", "Standard deviation of the", summary.mdevMs),
    jitterFamily(report),
  ];
}

/** What the exporter counts over its life, for its own `/metrics`. */
export interface ExporterCounts {
  /** Probe series run to their end, by verdict. */
  probes: { success: number; failure: number };
  /**
   * `/probe` requests refused: bad parameters (400), too many at once (503), or a
   * probe kind this process cannot run (501: `proto=udp` without `--unstable-net`).
   */
  rejected: { invalid: number; busy: number; unsupported: number };
  /** Probe series running now. */
  inFlight: number;
  /** The most that may run at once. */
  maxConcurrent: number;
}

/**
 * The exporter's own metric families (`GET /metrics`).
 *
 * @param counts Its counts.
 * @param rssBytes Resident memory now.
 * @param startTimeMs When the process started, in milliseconds since the epoch.
 * @returns The families.
 */
export function exporterFamilies(
  counts: ExporterCounts,
  rssBytes: number,
  startTimeMs: number,
): MetricFamily[] {
  return [
    {
      name: "echoprobe_exporter_probes_total",
      type: "counter",
      help: "Probe series run, by result (success or failure)",
      samples: Object.entries(counts.probes).map(([result, value]) => ({
        labels: { result },
        value,
      })),
    },
    {
      name: "echoprobe_exporter_requests_rejected_total",
      type: "counter",
      help:
        "Probe requests refused: invalid (HTTP 400), busy (HTTP 503, beyond --max-concurrent), unsupported (HTTP 501, proto=udp without --unstable-net)",
      samples: Object.entries(counts.rejected).map(([reason, value]) => ({
        labels: { reason },
        value,
      })),
    },
    gauge("echoprobe_exporter_probes_in_flight", "Probe series running now", counts.inFlight),
    gauge(
      "echoprobe_exporter_max_concurrent",
      "The most probe series that run at once (--max-concurrent)",
      counts.maxConcurrent,
    ),
    buildInfoFamily(),
    ...processFamilies(rssBytes, startTimeMs),
  ];
}
