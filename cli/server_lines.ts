/**
 * What `echoprobe server` prints: the ready line, connection and reject logs,
 * snapshots, the stopping line and the summary, as text or JSON lines. Pure: the
 * server command writes what these return.
 *
 * @module
 */

import { formatHostPort } from "../lib/address.ts";
import type { RejectInfo } from "../lib/admission.ts";
import type { ConnectionInfo } from "../lib/echo.ts";
import type { ServerStats, ServerSummary } from "../lib/serve_options.ts";
import { formatMs, roundMs } from "./text.ts";
import { formatCertificateDate } from "./tls_lines.ts";

/**
 * The line a server prints once it listens: scripts wait for it.
 *
 * @param addr The listening address.
 * @param json A JSON object instead of text.
 * @returns `echoprobe server listening on HOST:PORT`, or the JSON event.
 */
export function formatListening(addr: Deno.NetAddr, json: boolean): string {
  if (json) return JSON.stringify({ event: "listening", host: addr.hostname, port: addr.port });
  return `echoprobe server listening on ${formatHostPort(addr.hostname, addr.port)}`;
}

/**
 * The line after the listening line when the server serves metrics (`--metrics`).
 *
 * @param addr The metrics listener's address, with the real port.
 * @param json A JSON object instead of text.
 * @returns `echoprobe server metrics on HOST:PORT`, or the JSON event.
 */
export function formatMetricsListening(addr: Deno.NetAddr, json: boolean): string {
  if (json) return JSON.stringify({ event: "metrics", host: addr.hostname, port: addr.port });
  return `echoprobe server metrics on ${formatHostPort(addr.hostname, addr.port)}`;
}

/**
 * The line after the listening line of a TLS server: its certificate's fingerprint,
 * for clients to pin, and its end of validity.
 *
 * @param certificate The fingerprint, the end of validity, whether it was made at start-up.
 * @param json A JSON object instead of text.
 * @returns `echoprobe server tls: certificate sha256=... expires ...`, or the JSON event.
 */
export function formatTlsReady(
  certificate: { sha256: string; notAfter: Date; selfSigned: boolean },
  json: boolean,
): string {
  const { sha256, selfSigned } = certificate;
  const notAfter = formatCertificateDate(certificate.notAfter);
  if (json) return JSON.stringify({ event: "tls", sha256, notAfter, selfSigned });
  return `echoprobe server tls: certificate sha256=${sha256} expires ${notAfter}${
    selfSigned ? " (self-signed, made at start-up)" : ""
  }`;
}

/**
 * The log line of a closed connection.
 *
 * @param info What the connection did.
 * @param json A JSON object instead of text.
 * @returns `closed PEER records=N bytes=N duration=MSms reason=R`, or the JSON event.
 */
export function formatClose(info: ConnectionInfo, json: boolean): string {
  const peer = formatHostPort(info.remoteAddr.hostname, info.remoteAddr.port);
  if (json) {
    return JSON.stringify({
      event: "close",
      peer,
      records: info.records,
      bytes: info.bytes,
      durationMs: roundMs(info.durationMs),
      reason: info.reason,
      ...(info.error ? { error: info.error.message } : {}),
    });
  }
  const error = info.error ? ` error=${JSON.stringify(info.error.message)}` : "";
  return `closed ${peer} records=${info.records} bytes=${info.bytes} duration=${
    formatMs(info.durationMs)
  }ms reason=${info.reason}${error}`;
}

/**
 * The log line of a connection closed at accept.
 *
 * @param info The peer and the rule.
 * @param json A JSON object instead of text.
 * @returns `rejected PEER reason=R`, or the JSON event.
 */
export function formatReject(info: RejectInfo, json: boolean): string {
  const peer = formatHostPort(info.remoteAddr.hostname, info.remoteAddr.port);
  if (json) return JSON.stringify({ event: "reject", peer, reason: info.reason });
  return `rejected ${peer} reason=${info.reason}`;
}

/**
 * The log line of failed accepts of one kind (see cli/accept_errors.ts).
 *
 * @param error What the (latest) accept threw.
 * @param json A JSON object instead of text.
 * @param count How many failures the line stands for.
 * @returns `accept failed: MESSAGE`, `accept failed N times: MESSAGE`, or the JSON event.
 */
export function formatAcceptError(error: Error, json: boolean, count = 1): string {
  if (json) return JSON.stringify({ event: "accept-error", error: error.message, count });
  return count === 1
    ? `accept failed: ${error.message}`
    : `accept failed ${count} times: ${error.message}`;
}

/**
 * The line of a server that starts stopping.
 *
 * @param active Connections open.
 * @param json A JSON object instead of text.
 * @returns `echoprobe server stopping: N connections open`, or the JSON event.
 */
export function formatStopping(active: number, json: boolean): string {
  return json
    ? JSON.stringify({ event: "stopping", active })
    : `echoprobe server stopping: ${active} connections open`;
}

/** Lines the server could not write: see cli/line_queue.ts. */
export interface LogCounts {
  /** Log lines (stderr) dropped: beyond the buffer, or lost with a closed stderr. */
  logDropped: number;
}

/**
 * The periodic snapshot of a server: open connections, totals, rates since the last
 * one, memory, and the log lines dropped so far.
 *
 * @param stats The server's stats now, and the log lines dropped so far.
 * @param previous Its stats at the last snapshot.
 * @param elapsedMs Milliseconds since the last snapshot.
 * @param memory The process's memory now, as `Deno.memoryUsage()` gives it.
 * @param json A JSON object instead of text.
 * @returns `stats active=N inflight=N connections=N rejected=N records=N bytes=N records_s=X
 *   bytes_s=Y rss_kib=N heap_kib=N log_dropped=N`, or the JSON event with the same keys.
 */
export function formatStats(
  stats: ServerStats & LogCounts,
  previous: ServerStats,
  elapsedMs: number,
  memory: { rss: number; heapUsed: number },
  json: boolean,
): string {
  const perSecond = (now: number, before: number) =>
    elapsedMs > 0 ? Math.round(((now - before) * 1000) / elapsedMs) : 0;
  const fields = {
    active: stats.active,
    inflight: stats.inFlight,
    connections: stats.connections,
    rejected: stats.rejected,
    records: stats.records,
    bytes: stats.bytes,
    records_s: perSecond(stats.records, previous.records),
    bytes_s: perSecond(stats.bytes, previous.bytes),
    rss_kib: Math.round(memory.rss / 1024),
    heap_kib: Math.round(memory.heapUsed / 1024),
    log_dropped: stats.logDropped,
  };
  // The JSON keys are the text's, snake_case beside records_s and rss_kib; the summary's
  // are camelCase (logDropped), as the rest of its JSON.
  if (json) return JSON.stringify({ event: "stats", ...fields });
  return `stats ${Object.entries(fields).map(([key, value]) => `${key}=${value}`).join(" ")}`;
}

/**
 * The server's last line: its totals, and the log lines it dropped.
 *
 * @param summary The totals, and the log lines dropped.
 * @param json A JSON object instead of text.
 * @returns `echoprobe server stopped: connections=N rejected=N records=N bytes=N
 *   log_dropped=N`, or the JSON event (`logDropped`).
 */
export function formatServerSummary(summary: ServerSummary & LogCounts, json: boolean): string {
  const { connections, rejected, records, bytes, logDropped } = summary;
  if (json) {
    return JSON.stringify({ event: "summary", connections, rejected, records, bytes, logDropped });
  }
  return `echoprobe server stopped: connections=${connections} rejected=${rejected} records=${records} bytes=${bytes} log_dropped=${logDropped}`;
}
