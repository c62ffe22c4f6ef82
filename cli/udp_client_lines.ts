/**
 * What `echoprobe client --udp` prints: the header, a line per probe and per duplicate
 * or late reply, the statistics, and load mode's report, as text or JSON lines. Pure:
 * the run writes what these return.
 *
 * @module
 */

import { formatHostPort } from "../lib/address.ts";
import type { UdpLoadReport } from "../lib/udp_load.ts";
import type { UdpEvent } from "../lib/udp_probe_options.ts";
import type { UdpSummary } from "../lib/udp_stats.ts";
import type { LineStyle, LoadSettings } from "./client_lines.ts";
import { formatErrors, formatMs, jsonMs, red, roundMs } from "./text.ts";

/**
 * The first line of a UDP series.
 *
 * @param target HOST:PORT.
 * @param size Bytes per datagram.
 * @param payload `random payload (seed N)` or `payload NAME`.
 * @returns `ECHOPROBE udp HOST:PORT: N-byte datagrams (20-byte header), PAYLOAD`.
 */
export function formatUdpHeader(target: string, size: number, payload: string): string {
  return `ECHOPROBE udp ${target}: ${size}-byte datagrams (20-byte header), ${payload}`;
}

/**
 * The line of a probe's outcome, or of a duplicate or late reply.
 *
 * @param event What happened.
 * @param size Bytes per datagram.
 * @param style JSON or text, coloured or not.
 * @returns `250 bytes from HOST:PORT: seq=N time=X ms local=ADDR:PORT` (`(reordered)`,
 *   `(DUP!)`, `(late, counted lost)` after it), `seq=N no reply within 1s (lost)`, or the
 *   JSON object (`"type"`: `probe`, `duplicate`, `late`; `"proto": "udp"`).
 */
export function formatUdpEvent(event: UdpEvent, size: number, style: LineStyle): string {
  if (event.kind !== "probe") {
    const from = formatHostPort(event.from.hostname, event.from.port);
    if (style.json) {
      const { kind: type, seq, rttMs } = event;
      return JSON.stringify({ type, proto: "udp", seq, from, timeMs: roundMs(rttMs) });
    }
    const note = event.kind === "duplicate" ? "(DUP!)" : "(late, counted lost)";
    return `${size} bytes from ${from}: seq=${event.seq} time=${formatMs(event.rttMs)} ms ${note}`;
  }
  const { seq, timestamp } = event;
  if (event.ok) {
    const { reply } = event;
    const from = formatHostPort(reply.from.hostname, reply.from.port);
    const local = formatHostPort(reply.localAddress, reply.localPort);
    if (style.json) {
      return JSON.stringify({
        type: "probe",
        proto: "udp",
        seq,
        timestamp: timestamp.toISOString(),
        ok: true,
        host: reply.hostname,
        address: reply.address,
        port: reply.port,
        from,
        local,
        bytes: reply.bytes,
        timeMs: roundMs(reply.rttMs),
        reordered: reply.reordered,
      });
    }
    return `${reply.bytes} bytes from ${from}: seq=${seq} time=${
      formatMs(reply.rttMs)
    } ms local=${local}${reply.reordered ? " (reordered)" : ""}`;
  }
  const { error } = event;
  if (style.json) {
    const { seq: _seq, ...details } = error.details;
    return JSON.stringify({
      type: "probe",
      proto: "udp",
      seq,
      timestamp: timestamp.toISOString(),
      ok: false,
      error: { code: error.code, message: error.message, ...details },
    });
  }
  const line = `seq=${seq} ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`;
  return style.color ? red(line) : line;
}

/**
 * The statistics of a UDP series, or one JSON object.
 *
 * @param target HOST:PORT.
 * @param summary The statistics.
 * @param extra The run's duration and the payload seed.
 * @param style JSON or text, coloured or not.
 * @returns Text lines joined by newlines, or the JSON object (`"type":"summary"`,
 *   `"proto":"udp"`).
 */
export function formatUdpSummary(
  target: string,
  summary: UdpSummary,
  extra: { durationMs: number; seed: number },
  style: LineStyle,
): string {
  if (style.json) {
    return JSON.stringify({
      type: "summary",
      proto: "udp",
      target,
      ...countFields(summary),
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
    `--- udp ${target} echoprobe statistics ---`,
    `${summary.transmitted} probes transmitted, ${summary.received} received, ${
      style.color && summary.lossPct > 0 ? red(loss) : loss
    }, ${replyCounts(summary)}, time ${Math.round(extra.durationMs)}ms`,
  ];
  if (summary.received > 0) {
    lines.push(
      `rtt min/avg/max/mdev = ${
        msList([summary.minMs, summary.avgMs, summary.maxMs, summary.mdevMs])
      } ms`,
      `rtt p50/p90/p99 = ${msList([summary.p50Ms, summary.p90Ms, summary.p99Ms])} ms, ${
        jitterText(summary.jitterMs)
      }`,
    );
  }
  return withErrors(lines, summary).join("\n");
}

/**
 * The report of a UDP load run, as text lines or one JSON object (`"type":"load"`).
 *
 * @param target HOST:PORT.
 * @param report The run's figures.
 * @param settings How the load was made: loops, duration, count, rate.
 * @param style JSON or text.
 * @returns The report.
 */
export function formatUdpLoadReport(
  target: string,
  report: UdpLoadReport,
  settings: LoadSettings,
  style: LineStyle,
): string {
  const failed = report.transmitted - report.received;
  if (style.json) {
    return JSON.stringify({
      type: "load",
      proto: "udp",
      target,
      concurrency: report.concurrency,
      rate: settings.rate ?? null,
      ok: report.received,
      failed,
      ...countFields(report),
      bytes: report.bytes,
      durationMs: roundMs(report.elapsedMs),
      perSecond: Math.round(report.perSecond),
      megabytesPerSecond: roundMs(report.megabytesPerSecond),
      minMs: jsonMs(report.minMs),
      p50Ms: jsonMs(report.p50Ms),
      p90Ms: jsonMs(report.p90Ms),
      p99Ms: jsonMs(report.p99Ms),
      p999Ms: jsonMs(report.p999Ms),
      maxMs: jsonMs(report.maxMs),
      jitterMs: jsonMs(report.jitterMs),
      errors: report.errors,
    });
  }
  const how = settings.rate ? `${settings.rate}/s scheduled` : `${report.concurrency} loops`;
  const lines = [
    `--- udp ${target} echoprobe load: ${how} ---`,
    `${report.received} probes ok, ${failed} failed (${Number(report.lossPct.toFixed(2))}% loss), ${
      Math.round(report.perSecond)
    }/s, ${report.megabytesPerSecond.toFixed(2)} MB/s, ${replyCounts(report)}, time ${
      Math.round(report.elapsedMs)
    }ms`,
    `latency min/p50/p90/p99/p99.9/max = ${
      msList([report.minMs, report.p50Ms, report.p90Ms, report.p99Ms, report.p999Ms, report.maxMs])
    } ms, ${jitterText(report.jitterMs)}`,
  ];
  return withErrors(lines, report).join("\n");
}

function countFields(summary: UdpSummary) {
  const { transmitted, received, lost, duplicates, reordered, late, stray } = summary;
  return {
    transmitted,
    received,
    lossPct: roundMs(summary.lossPct),
    lost,
    duplicates,
    reordered,
    late,
    stray,
  };
}

function replyCounts(summary: UdpSummary): string {
  return `${summary.duplicates} duplicates, ${summary.reordered} reordered, ${summary.late} late`;
}

function msList(values: number[]): string {
  return values.map((value) => Number.isNaN(value) ? "-" : formatMs(value)).join("/");
}

function jitterText(jitterMs: number): string {
  return `jitter ${Number.isNaN(jitterMs) ? "-" : `${formatMs(jitterMs)} ms`} (RFC 3550)`;
}

function withErrors(lines: string[], summary: UdpSummary): string[] {
  if (summary.stray > 0) lines.push(`stray datagrams (no reply to this run): ${summary.stray}`);
  const errors = formatErrors(summary.errors);
  if (errors) lines.push(`errors: ${errors}`);
  return lines;
}
