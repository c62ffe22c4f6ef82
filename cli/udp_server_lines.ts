/**
 * What `echoprobe server --udp` prints: its ready line, the per-source summaries, its
 * snapshots and its last line, as text or JSON lines. Pure: the run writes what these
 * return.
 *
 * @module
 */

import { formatHostPort } from "../lib/address.ts";
import type { UdpServerStats, UdpServerSummary } from "../lib/udp_server.ts";
import type { UdpSourceCounts, UdpSourceReport } from "../lib/udp_sources.ts";
import type { LogCounts } from "./server_lines.ts";
import { formatErrors } from "./text.ts";

/**
 * The line a UDP server prints once it listens (after TCP's, when both serve).
 *
 * @param addr The listening address.
 * @param json A JSON object instead of text.
 * @returns `echoprobe server listening on udp HOST:PORT`, or the JSON event.
 */
export function formatUdpListening(addr: Deno.NetAddr, json: boolean): string {
  if (json) {
    return JSON.stringify({
      event: "listening",
      proto: "udp",
      host: addr.hostname,
      port: addr.port,
    });
  }
  return `echoprobe server listening on udp ${formatHostPort(addr.hostname, addr.port)}`;
}

/**
 * The log lines of a period: one per busy source, one for the rest added up.
 *
 * @param report The sources of the period.
 * @param periodMs How long the period was.
 * @param json JSON objects instead of text.
 * @returns `udp 10.0.0.7 received=N answered=N bytes=N refused=N [REASON=N ...]` lines,
 *   `udp others sources=N received=N ...`, or the JSON events (`udp-source`,
 *   `udp-others`); none for a quiet period.
 */
export function formatUdpSources(
  report: UdpSourceReport,
  periodMs: number,
  json: boolean,
): string[] {
  const lines = report.sources.map(({ address, ...counts }) =>
    json
      ? JSON.stringify({ event: "udp-source", source: address, ...countFields(counts), periodMs })
      : `udp ${address} ${countWords(counts)}`
  );
  const { others } = report;
  if (others) {
    const { sources, ...counts } = others;
    lines.push(
      json
        ? JSON.stringify({ event: "udp-others", sources, ...countFields(counts), periodMs })
        : `udp others sources=${sources} ${countWords(counts)}`,
    );
  }
  return lines;
}

/**
 * The periodic snapshot of a UDP server: totals, rates since the last one, and the
 * log lines dropped so far.
 *
 * @param stats The server's stats now, and the log lines dropped so far.
 * @param previous Its stats at the last snapshot.
 * @param elapsedMs Milliseconds since the last snapshot.
 * @param json A JSON object instead of text.
 * @returns `stats udp received=N answered=N refused=N bytes=N received_s=X answered_s=Y
 *   sources=N log_dropped=N`, or the JSON event with the same keys.
 */
export function formatUdpStats(
  stats: UdpServerStats & LogCounts,
  previous: UdpServerStats,
  elapsedMs: number,
  json: boolean,
): string {
  const perSecond = (now: number, before: number) =>
    elapsedMs > 0 ? Math.round(((now - before) * 1000) / elapsedMs) : 0;
  const fields = {
    received: stats.received,
    answered: stats.answered,
    refused: totalRefused(stats),
    bytes: stats.bytes,
    received_s: perSecond(stats.received, previous.received),
    answered_s: perSecond(stats.answered, previous.answered),
    sources: stats.sources,
    log_dropped: stats.logDropped,
  };
  // The JSON keys are the text's, as TCP's snapshot has them (cli/server_lines.ts).
  if (json) return JSON.stringify({ event: "stats", proto: "udp", ...fields });
  return `stats udp ${Object.entries(fields).map(([key, value]) => `${key}=${value}`).join(" ")}`;
}

/**
 * The UDP server's last line: its totals, every refusal reason with its count, and
 * the log lines the process dropped (the same count as TCP's summary, when both serve).
 *
 * @param summary The totals, and the log lines dropped.
 * @param json A JSON object instead of text.
 * @returns `echoprobe server stopped: udp received=N answered=N bytes=N refused=N
 *   too-large=N source-port=N not-allowed=N source-rate=N global-rate=N send-errors=N
 *   log_dropped=N`, or the JSON event (`logDropped`).
 */
export function formatUdpSummary(summary: UdpServerSummary & LogCounts, json: boolean): string {
  const { received, answered, bytes, refused, sendErrors, logDropped } = summary;
  if (json) {
    return JSON.stringify({
      event: "summary",
      proto: "udp",
      received,
      answered,
      bytes,
      refused: totalRefused(summary),
      refusedBy: refused,
      sendErrors,
      logDropped,
    });
  }
  return `echoprobe server stopped: udp received=${received} answered=${answered} bytes=${bytes} refused=${
    totalRefused(summary)
  } ${formatErrors(refused)} send-errors=${sendErrors} log_dropped=${logDropped}`;
}

/**
 * The log line of a failed receive (the server goes on).
 *
 * @param error What the receive threw.
 * @param json A JSON object instead of text.
 * @returns `udp receive failed: MESSAGE`, or the JSON event.
 */
export function formatUdpError(error: Error, json: boolean): string {
  return json
    ? JSON.stringify({ event: "udp-error", error: error.message })
    : `udp receive failed: ${error.message}`;
}

function totalRefused(summary: UdpServerSummary): number {
  return Object.values(summary.refused).reduce((sum, n) => sum + n, 0);
}

function countFields(counts: UdpSourceCounts) {
  const { received, answered, bytes, refused, refusedBy, sendErrors } = counts;
  return { received, answered, bytes, refused, refusedBy, sendErrors };
}

function countWords(counts: UdpSourceCounts): string {
  const { received, answered, bytes, refused, refusedBy, sendErrors } = counts;
  const reasons = formatErrors(refusedBy);
  return `received=${received} answered=${answered} bytes=${bytes} refused=${refused}${
    reasons ? ` ${reasons}` : ""
  }${sendErrors ? ` send-errors=${sendErrors}` : ""}`;
}
