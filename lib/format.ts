/**
 * Pure formatters: results and events to one line of text or one JSON object.
 * The CLI writes what they return; nothing here prints.
 *
 * @module
 */

import { formatHostPort } from "./address.ts";
import type { LoadProgress, LoadReport } from "./load.ts";
import type { ProbeOutcome } from "./series.ts";
import type { ConnectionInfo, RejectInfo, ServerStats, ServerSummary } from "./server.ts";
import type { ProbeSummary } from "./stats.ts";

/**
 * Rounds milliseconds to microseconds, for JSON.
 *
 * @param ms Milliseconds.
 * @returns `ms` with at most three decimals.
 *
 * @example
 * ```ts
 * import { roundMs } from "./format.ts";
 *
 * const ms = roundMs(0.123456); // 0.123
 * ```
 */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Formats milliseconds for people, with three significant digits as ping does.
 *
 * @param ms Milliseconds.
 * @returns `0.213`, `1.25`, `12.5`, `125`.
 *
 * @example
 * ```ts
 * import { formatMs } from "./format.ts";
 *
 * const text = formatMs(0.2134); // "0.213"
 * ```
 */
export function formatMs(ms: number): string {
  return ms.toFixed(ms < 1 ? 3 : ms < 10 ? 2 : ms < 100 ? 1 : 0);
}

/**
 * The line a server prints once it listens: scripts wait for it.
 *
 * @param addr The listening address.
 * @param json A JSON object instead of text.
 * @returns `echoprobe server listening on HOST:PORT`, or the JSON event.
 *
 * @example
 * ```ts
 * import { formatListening } from "./format.ts";
 *
 * const line = formatListening({ transport: "tcp", hostname: "0.0.0.0", port: 3005 }, false);
 * // "echoprobe server listening on 0.0.0.0:3005"
 * ```
 */
export function formatListening(addr: Deno.NetAddr, json: boolean): string {
  if (json) return JSON.stringify({ event: "listening", host: addr.hostname, port: addr.port });
  return `echoprobe server listening on ${formatHostPort(addr.hostname, addr.port)}`;
}

/**
 * The log line of a closed connection.
 *
 * @param info What the connection did.
 * @param json A JSON object instead of text.
 * @returns `closed PEER records=N bytes=N duration=MSms reason=R`, or the JSON event.
 *
 * @example
 * ```ts
 * import { formatClose } from "./format.ts";
 *
 * const line = formatClose({
 *   remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 41000 },
 *   records: 4,
 *   bytes: 1000,
 *   durationMs: 1.5,
 *   reason: "eof",
 * }, false);
 * // "closed 127.0.0.1:41000 records=4 bytes=1000 duration=1.50ms reason=eof"
 * ```
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
 *
 * @example
 * ```ts
 * import { formatReject } from "./format.ts";
 *
 * const line = formatReject({
 *   remoteAddr: { transport: "tcp", hostname: "::1", port: 41000 },
 *   reason: "not-allowed",
 * }, false); // "rejected [::1]:41000 reason=not-allowed"
 * ```
 */
export function formatReject(info: RejectInfo, json: boolean): string {
  const peer = formatHostPort(info.remoteAddr.hostname, info.remoteAddr.port);
  if (json) return JSON.stringify({ event: "reject", peer, reason: info.reason });
  return `rejected ${peer} reason=${info.reason}`;
}

/**
 * The periodic snapshot of a server: open connections, totals, rates since the last one.
 *
 * @param stats The server's stats now.
 * @param previous Its stats at the last snapshot.
 * @param elapsedMs Milliseconds since the last snapshot.
 * @param memory The process's memory now, as `Deno.memoryUsage()` gives it.
 * @param json A JSON object instead of text.
 * @returns `stats active=N inflight=N connections=N rejected=N records=N bytes=N records_s=X
 *   bytes_s=Y rss_kib=N heap_kib=N`.
 *
 * @example
 * ```ts
 * import { formatStats } from "./format.ts";
 *
 * const zero = { active: 0, inFlight: 0, connections: 0, rejected: 0, records: 0, bytes: 0 };
 * const now = { ...zero, active: 1, connections: 1, records: 40, bytes: 10_000 };
 * const memory = { rss: 64 << 20, heapUsed: 8 << 20 };
 * const line = formatStats(now, zero, 2_000, memory, false); // "... records_s=20 bytes_s=5000 ..."
 * ```
 */
export function formatStats(
  stats: ServerStats,
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
  };
  if (json) return JSON.stringify({ event: "stats", ...fields });
  return `stats ${Object.entries(fields).map(([key, value]) => `${key}=${value}`).join(" ")}`;
}

/**
 * The server's last line: its totals.
 *
 * @param summary The totals.
 * @param json A JSON object instead of text.
 * @returns `echoprobe server stopped: connections=N rejected=N records=N bytes=N`, or JSON.
 *
 * @example
 * ```ts
 * import { formatServerSummary } from "./format.ts";
 *
 * const line = formatServerSummary({ connections: 1, rejected: 0, records: 2, bytes: 500 }, true);
 * // {"event":"summary","connections":1,"rejected":0,"records":2,"bytes":500}
 * ```
 */
export function formatServerSummary(summary: ServerSummary, json: boolean): string {
  const { connections, rejected, records, bytes } = summary;
  if (json) return JSON.stringify({ event: "summary", connections, rejected, records, bytes });
  return `echoprobe server stopped: connections=${connections} rejected=${rejected} records=${records} bytes=${bytes}`;
}

/** How a probe line looks: JSON or text, and coloured or not (text on a terminal). */
export interface LineStyle {
  /** A JSON object instead of text. */
  json: boolean;
  /** ANSI colour in text. */
  color?: boolean;
}

const RED = "\x1b[31m";
const RESET = "\x1b[0m";

/** A number of milliseconds for JSON: rounded to microseconds, `null` when unknown. */
function jsonMs(ms: number): number | null {
  return Number.isFinite(ms) ? roundMs(ms) : null;
}

/**
 * The line of one probe of a series, ping style, or its JSON object.
 *
 * @param outcome The probe's result or failure.
 * @param style JSON or text, coloured or not.
 * @returns `250 bytes from 127.0.0.1:3005: seq=1 time=0.213 ms ...`, or
 *   `seq=2 connection refused`, or the JSON object (`"type":"probe"`).
 *
 * @example
 * ```ts
 * import { ProbeError } from "./errors.ts";
 * import { formatOutcome } from "./format.ts";
 *
 * const line = formatOutcome({
 *   seq: 2,
 *   timestamp: new Date(0),
 *   ok: false,
 *   error: new ProbeError("refused", "Connection refused", { seq: 2 }),
 * }, { json: false }); // "seq=2 connection refused"
 * ```
 */
export function formatOutcome(outcome: ProbeOutcome, style: LineStyle): string {
  if (outcome.ok) {
    const result = outcome.result;
    if (style.json) {
      return JSON.stringify({
        type: "probe",
        seq: result.seq,
        timestamp: outcome.timestamp.toISOString(),
        ok: true,
        host: result.hostname,
        address: result.address,
        ...(result.previousAddress ? { previousAddress: result.previousAddress } : {}),
        port: result.port,
        local: formatHostPort(result.localAddress, result.localPort),
        bytes: result.bytes,
        reused: result.reused,
        resolveMs: roundMs(result.resolveMs),
        connectMs: roundMs(result.connectMs),
        firstByteMs: roundMs(result.firstByteMs),
        echoMs: roundMs(result.echoMs),
        timeMs: roundMs(result.timeMs),
        totalMs: roundMs(result.totalMs),
      });
    }
    const changed = result.previousAddress
      ? ` (address changed from ${result.previousAddress})`
      : "";
    return `${result.bytes} bytes from ${
      formatHostPort(result.address, result.port)
    }: seq=${result.seq} time=${formatMs(result.timeMs)} ms connect=${
      formatMs(result.connectMs)
    } first=${formatMs(result.firstByteMs)} echo=${formatMs(result.echoMs)} local=${
      formatHostPort(result.localAddress, result.localPort)
    }${changed}`;
  }
  const { error } = outcome;
  if (style.json) {
    const { seq, ...details } = error.details;
    return JSON.stringify({
      type: "probe",
      seq,
      timestamp: outcome.timestamp.toISOString(),
      ok: false,
      error: { code: error.code, message: error.message, ...details },
    });
  }
  const message = error.message.charAt(0).toLowerCase() + error.message.slice(1);
  const line = `seq=${error.details.seq} ${message}`;
  return style.color ? `${RED}${line}${RESET}` : line;
}

/**
 * The statistics of a series, as ping prints them, or one JSON object.
 *
 * @param target The host and port as the user gave them.
 * @param summary The statistics.
 * @param extra What the run adds: reconnected drops, duration, the payload seed.
 * @param style JSON or text, coloured or not.
 * @returns Text lines joined by newlines, or the JSON object (`"type":"summary"`).
 *
 * @example
 * ```ts
 * import { formatSummary } from "./format.ts";
 * import { ProbeStats } from "./stats.ts";
 *
 * const stats = new ProbeStats();
 * stats.success(0.2);
 * const text = formatSummary("localhost:3005", stats.summary(), {
 *   drops: 0,
 *   durationMs: 1.5,
 *   seed: 7,
 * }, { json: false });
 * ```
 */
export function formatSummary(
  target: string,
  summary: ProbeSummary,
  extra: { drops: number; durationMs: number; seed: number },
  style: LineStyle,
): string {
  if (style.json) {
    return JSON.stringify({
      type: "summary",
      target,
      transmitted: summary.transmitted,
      received: summary.received,
      lossPct: roundMs(summary.lossPct),
      drops: extra.drops,
      minMs: jsonMs(summary.minMs),
      avgMs: jsonMs(summary.avgMs),
      maxMs: jsonMs(summary.maxMs),
      mdevMs: jsonMs(summary.mdevMs),
      p50Ms: jsonMs(summary.p50Ms),
      p90Ms: jsonMs(summary.p90Ms),
      p99Ms: jsonMs(summary.p99Ms),
      jitterMs: jsonMs(summary.jitterMs),
      errors: summary.errors,
      durationMs: roundMs(extra.durationMs),
      seed: extra.seed,
    });
  }
  const loss = `${Number(summary.lossPct.toFixed(1))}% loss`;
  const lines = [
    `--- ${target} echoprobe statistics ---`,
    `${summary.transmitted} probes transmitted, ${summary.received} received, ${
      style.color && summary.lossPct > 0 ? `${RED}${loss}${RESET}` : loss
    }, ${extra.drops} drops, time ${Math.round(extra.durationMs)}ms`,
  ];
  if (summary.received > 0) {
    const ms = (values: number[]) => values.map((value) => formatMs(value)).join("/");
    lines.push(
      `time min/avg/max/mdev = ${
        ms([summary.minMs, summary.avgMs, summary.maxMs, summary.mdevMs])
      } ms`,
      `time p50/p90/p99 = ${ms([summary.p50Ms, summary.p90Ms, summary.p99Ms])} ms, jitter ${
        Number.isNaN(summary.jitterMs) ? "-" : `${formatMs(summary.jitterMs)} ms`
      }`,
    );
  }
  const errors = Object.entries(summary.errors);
  if (errors.length > 0) {
    lines.push(`errors: ${errors.map(([code, n]) => `${code}=${n}`).join(" ")}`);
  }
  return lines.join("\n");
}

/**
 * The progress line of a load run (a terminal shows it, rewritten each second).
 *
 * @param progress The figures so far.
 * @returns `5s  164269/s  41.07 MB/s  p99 0.310 ms  errors 0`.
 *
 * @example
 * ```ts
 * import { formatLoadProgress } from "./format.ts";
 *
 * const line = formatLoadProgress({ elapsedMs: 2_000, ok: 1000, failed: 0, bytes: 250_000, p99Ms: 0.3 });
 * ```
 */
export function formatLoadProgress(progress: LoadProgress): string {
  const seconds = progress.elapsedMs / 1000;
  return `${Math.round(seconds)}s  ${Math.round(progress.ok / seconds)}/s  ${
    (progress.bytes / 1e6 / seconds).toFixed(2)
  } MB/s  p99 ${
    Number.isNaN(progress.p99Ms) ? "-" : formatMs(progress.p99Ms)
  } ms  errors ${progress.failed}`;
}

/**
 * The report of a load run, as text lines or one JSON object (`"type":"load"`).
 *
 * @param target The host and port as the user gave them.
 * @param report The run's figures.
 * @param settings How the load was made: loops, duration, count, rate.
 * @param style JSON or text.
 * @returns The report.
 *
 * @example
 * ```ts
 * import { formatLoadReport } from "./format.ts";
 *
 * const text = formatLoadReport("127.0.0.1:3005", {
 *   elapsedMs: 1000, ok: 10, failed: 0, bytes: 2500, p99Ms: 1, concurrency: 1, perSecond: 10,
 *   megabytesPerSecond: 0.0025, drops: 0, errors: {},
 *   latency: { minMs: 0.1, p50Ms: 0.2, p90Ms: 0.5, p99Ms: 1, p999Ms: 1, maxMs: 1 },
 * }, { concurrency: 1, count: 10 }, { json: false });
 * ```
 */
export function formatLoadReport(
  target: string,
  report: LoadReport,
  settings: { concurrency: number; durationMs?: number; count?: number; rate?: number },
  style: LineStyle,
): string {
  const { latency } = report;
  if (style.json) {
    return JSON.stringify({
      type: "load",
      target,
      concurrency: report.concurrency,
      rate: settings.rate ?? null,
      ok: report.ok,
      failed: report.failed,
      bytes: report.bytes,
      durationMs: roundMs(report.elapsedMs),
      perSecond: Math.round(report.perSecond),
      megabytesPerSecond: roundMs(report.megabytesPerSecond),
      drops: report.drops,
      minMs: jsonMs(latency.minMs),
      p50Ms: jsonMs(latency.p50Ms),
      p90Ms: jsonMs(latency.p90Ms),
      p99Ms: jsonMs(latency.p99Ms),
      p999Ms: jsonMs(latency.p999Ms),
      maxMs: jsonMs(latency.maxMs),
      errors: report.errors,
    });
  }
  const ms = (values: number[]) =>
    values.map((value) => Number.isNaN(value) ? "-" : formatMs(value)).join("/");
  const lines = [
    `--- ${target} echoprobe load: ${report.concurrency} loops${
      settings.rate ? `, ${settings.rate}/s scheduled` : ""
    } ---`,
    `${report.ok} probes ok, ${report.failed} failed, ${Math.round(report.perSecond)}/s, ${
      report.megabytesPerSecond.toFixed(2)
    } MB/s, ${report.drops} drops, time ${Math.round(report.elapsedMs)}ms`,
    `latency min/p50/p90/p99/p99.9/max = ${
      ms([
        latency.minMs,
        latency.p50Ms,
        latency.p90Ms,
        latency.p99Ms,
        latency.p999Ms,
        latency.maxMs,
      ])
    } ms`,
  ];
  const errors = Object.entries(report.errors);
  if (errors.length > 0) {
    lines.push(`errors: ${errors.map(([code, n]) => `${code}=${n}`).join(" ")}`);
  }
  return lines.join("\n");
}
