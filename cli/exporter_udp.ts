/**
 * Runs the UDP series of one `/probe?proto=udp` request through the library's UDP entry
 * point (`udpSeries()`, lib/udp_series.ts) and sums it up for the metrics: loss,
 * duplicates, reordered, late and stray replies, round trips and RFC 3550 jitter.
 * Deno's UDP needs `--unstable-net`: the handler checks it before it calls this.
 *
 * @module
 */

import { literalFamily } from "../lib/resolve.ts";
import { udpSeries, type UdpSeriesOptions } from "../lib/udp_series.ts";
import type { ProbeRequest } from "./exporter_params.ts";
import {
  type ErrorLabels,
  noteError,
  type ProbeReport,
  seriesSuccess,
  timedResolver,
} from "./exporter_probe.ts";

/**
 * Runs the UDP series a request asks for and sums it up. A series cut short by its
 * deadline (the scrape's time) counts the probes still in flight as lost, as
 * `udpSeries()` does.
 *
 * @param request What to probe, from `probeRequest()` (`proto` `udp`).
 * @param signal Aborts the series: the exporter is stopping.
 * @returns The report, or `undefined` when `signal` aborted it.
 * @throws {EchoError} Code `listen` when no UDP socket can be bound.
 */
export async function runUdpProbe(
  request: ProbeRequest,
  signal: AbortSignal,
): Promise<ProbeReport | undefined> {
  const started = performance.now();
  const { resolver, seen } = timedResolver();
  const { hostname, port, size, timeoutMs, family, payload, count, intervalMs, deadlineMs } =
    request.series;
  // Only what a datagram takes (probeRequest() refused the rest).
  const options: UdpSeriesOptions = {
    hostname,
    seed: request.series.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]!,
    resolver,
    signal,
  };
  if (port !== undefined) options.port = port;
  if (size !== undefined) options.size = size;
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  if (family !== undefined) options.family = family;
  if (payload !== undefined) options.payload = payload;
  if (count !== undefined) options.count = count;
  if (intervalMs !== undefined) options.intervalMs = intervalMs;
  if (deadlineMs !== undefined) options.deadlineMs = deadlineMs;

  let answeredFamily: 4 | 6 | undefined; // of the address a probe was answered from
  let mismatch: ProbeReport["mismatch"];
  let failedDueToBytes = false;
  const errors: ErrorLabels[] = [];
  const series = udpSeries(options);
  let next = await series.next();
  for (; !next.done; next = await series.next()) {
    const event = next.value;
    if (event.kind !== "probe") continue; // duplicates and late replies: in the summary
    if (event.ok) {
      answeredFamily ??= literalFamily(event.reply.address);
      continue;
    }
    const { error } = event;
    noteError(errors, error);
    // A reply changed, longer or cut short: bytes came back, not those sent.
    if (error.code === "mismatch" || error.code === "short") failedDueToBytes = true;
    const { offset, differing } = error.details;
    if (offset !== undefined) mismatch ??= { offset, differing: differing ?? 0 };
  }
  if (next.value.stoppedBy === "signal") return undefined;
  const { summary } = next.value;
  const { lost, duplicates, reordered, late, stray } = summary;
  return {
    proto: "udp",
    success: seriesSuccess(summary, request.maxLossPct),
    durationMs: performance.now() - started,
    summary,
    dnsLookupMs: seen.lookupMs,
    ipFamily: literalFamily(hostname) ?? answeredFamily ?? seen.family,
    phasesMs: { resolve: seen.lookupMs, connect: 0, tls: 0, first_byte: 0, echo: 0 },
    failedDueToBytes,
    mismatch,
    errors,
    failedAttempts: 0,
    tls: undefined,
    udp: { lost, duplicates, reordered, late, stray },
  };
}
