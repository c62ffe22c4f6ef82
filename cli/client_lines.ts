/**
 * What `echoprobe client` prints: the header, a line per probe, the statistics,
 * and load mode's progress line and report, as text or JSON lines. Pure: the
 * client command writes what these return.
 *
 * @module
 */

import { formatHostPort } from "../lib/address.ts";
import type { LoadInterval, LoadProgress, LoadReport } from "../lib/load.ts";
import type { ProbeOutcome } from "../lib/series.ts";
import type { ProbeSummary } from "../lib/stats.ts";
import { formatErrors, formatMs, jsonMs, red, roundMs } from "./text.ts";
import { formatConnected, formatTlsText, tlsJson } from "./tls_lines.ts";
import { formatAttemptsAfter, formatFailure, jsonAttempts } from "./where_lines.ts";

/** How a probe line looks: JSON or text, and coloured or not (text on a terminal). */
export interface LineStyle {
  /** A JSON object instead of text. */
  json: boolean;
  /** ANSI colour in text. */
  color?: boolean;
}

/**
 * The line of one probe of a series, ping style, or its JSON object.
 *
 * A failure's line (cli/where_lines.ts) says where: `seq=2 127.0.0.1:3005 connection refused`, the
 * address and port (the host as given when no address is known, as for a name that
 * does not resolve) before the message, and `local=` after it once a connection was
 * made, as on a success's line.
 *
 * @param outcome The probe's result or failure.
 * @param style JSON or text, coloured or not.
 * @returns `250 bytes from 127.0.0.1:3005: seq=1 time=0.213 ms ...`, or
 *   `seq=2 127.0.0.1:3005 connection refused`, or the JSON object (`"type":"probe"`).
 */
export function formatOutcome(outcome: ProbeOutcome, style: LineStyle): string {
  if (outcome.ok) {
    const result = outcome.result;
    // Connect-only probes (cli/tls_lines.ts) send nothing: no bytes, no echo times.
    const echo = result.connectOnly ? { connectOnly: true } : {
      bytes: result.bytes,
      reused: result.reused,
    };
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
        ...echo,
        resolveMs: roundMs(result.resolveMs),
        connectMs: roundMs(result.connectMs),
        ...(result.connectOnly ? {} : {
          firstByteMs: roundMs(result.firstByteMs),
          echoMs: roundMs(result.echoMs),
        }),
        timeMs: roundMs(result.timeMs),
        totalMs: roundMs(result.totalMs),
        ...(result.attempts ? { attempts: jsonAttempts(result.attempts) } : {}),
        ...tlsJson(result, outcome.timestamp),
      });
    }
    const changed = result.previousAddress
      ? ` (address changed from ${result.previousAddress})`
      : "";
    const after = formatAttemptsAfter(result.attempts);
    const where = formatHostPort(result.address, result.port);
    const local = formatHostPort(result.localAddress, result.localPort);
    if (result.connectOnly) {
      return `${formatConnected(result, outcome.timestamp, where, local)}${after}${changed}`;
    }
    const tls = formatTlsText(result, outcome.timestamp);
    return `${result.bytes} bytes from ${where}: seq=${result.seq} time=${
      formatMs(result.timeMs)
    } ms connect=${formatMs(result.connectMs)}${tls.time} first=${
      formatMs(result.firstByteMs)
    } echo=${formatMs(result.echoMs)} local=${local}${tls.end}${after}${changed}`;
  }
  return formatFailure(outcome.error, outcome.timestamp, style);
}

/**
 * The statistics of a series, as ping prints them, or one JSON object.
 *
 * @param target The host and port as the user gave them.
 * @param summary The statistics.
 * @param extra What the run adds: reconnected drops, duration, the payload seed.
 * @param style JSON or text, coloured or not.
 * @returns Text lines joined by newlines, or the JSON object (`"type":"summary"`).
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
      style.color && summary.lossPct > 0 ? red(loss) : loss
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
  const errors = formatErrors(summary.errors);
  if (errors) lines.push(`errors: ${errors}`);
  return lines.join("\n");
}

/**
 * The progress line of a load run (a terminal shows it, rewritten each second).
 *
 * @param progress The figures so far.
 * @returns `5s  164269/s  41.07 MB/s  p99 0.310 ms  errors 0`.
 */
export function formatLoadProgress(progress: LoadProgress): string {
  const seconds = progress.elapsedMs / 1000;
  return `${Math.round(seconds)}s  ${Math.round(progress.ok / seconds)}/s  ${
    (progress.bytes / 1e6 / seconds).toFixed(2)
  } MB/s  p99 ${
    Number.isNaN(progress.p99Ms) ? "-" : formatMs(progress.p99Ms)
  } ms  errors ${progress.failed}`;
}

/** How a load run was made, as its report shows it. */
export interface LoadSettings {
  /** Probe loops. */
  concurrency: number;
  /** How long, in milliseconds. */
  durationMs?: number;
  /** How many probes in all. */
  count?: number;
  /** Probes per second, scheduled. */
  rate?: number;
  /** Connect-only probes: the report counts connections, and no bytes. */
  connectOnly?: boolean;
}

/**
 * The report of a load run, as text lines or one JSON object (`"type":"load"`).
 *
 * @param target The host and port as the user gave them.
 * @param report The run's figures.
 * @param settings How the load was made: loops, duration, count, rate.
 * @param style JSON or text.
 * @returns The report.
 */
export function formatLoadReport(
  target: string,
  report: LoadReport,
  settings: LoadSettings,
  style: LineStyle,
): string {
  const { latency } = report;
  if (style.json) {
    return JSON.stringify({
      type: "load",
      target,
      ...(settings.connectOnly ? { connectOnly: true } : {}),
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
    `${report.ok} ${settings.connectOnly ? "connects" : "probes"} ok, ${report.failed} failed, ${
      Math.round(report.perSecond)
    }/s, ${
      settings.connectOnly ? "" : `${report.megabytesPerSecond.toFixed(2)} MB/s, `
    }${report.drops} drops, time ${Math.round(report.elapsedMs)}ms`,
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
  const errors = formatErrors(report.errors);
  if (errors) lines.push(`errors: ${errors}`);
  return lines.join("\n");
}

/**
 * One interval of a load run (about a second) as a JSON line (`"type":"interval"`), as
 * `--json` writes them before the final `"type":"load"` object. Text output has none:
 * a terminal shows the progress line instead.
 *
 * @param target The host and port as the user gave them.
 * @param interval The interval's own figures.
 * @param proto `udp` for a UDP run, whose every object says so (`"proto":"udp"`).
 * @returns The JSON object: wall-clock start, start and end since the run's start,
 *   successes and failures, successes per second, p50/p99/max latency, errors by code.
 */
export function formatLoadInterval(
  target: string,
  interval: LoadInterval,
  proto?: "udp",
): string {
  const seconds = (interval.elapsedMs - interval.startMs) / 1000;
  return JSON.stringify({
    type: "interval",
    ...(proto ? { proto } : {}),
    target,
    timestamp: interval.startedAt.toISOString(),
    startMs: roundMs(interval.startMs),
    elapsedMs: roundMs(interval.elapsedMs),
    ok: interval.ok,
    failed: interval.failed,
    perSecond: seconds > 0 ? Math.round(interval.ok / seconds) : 0,
    p50Ms: jsonMs(interval.p50Ms),
    p99Ms: jsonMs(interval.p99Ms),
    maxMs: jsonMs(interval.maxMs),
    errors: interval.errors,
  });
}
