/**
 * Runs the probe series of one `/probe` request (a library call) and sums it up
 * for the metrics: verdict, loss, timings by phase, what failed.
 *
 * @module
 */

import { literalFamily, type Resolver, systemResolver } from "../lib/resolve.ts";
import { probeSeries } from "../lib/series.ts";
import { ProbeStats, type ProbeSummary } from "../lib/stats.ts";
import type { ProbeRequest } from "./exporter_params.ts";

/** The phases of a probe, in order; their times add up to the probe's. */
export const PHASES = ["resolve", "connect", "first_byte", "echo"] as const;

/** One phase of a probe. */
export type Phase = typeof PHASES[number];

/**
 * Error codes that mean the bytes came back, but not the bytes sent: changed
 * (`mismatch`), or more than sent (`extra`, once the library reports it).
 */
const BYTE_ERRORS: ReadonlySet<string> = new Set(["mismatch", "extra"]);

/** What one `/probe` series found, as the metrics show it. */
export interface ProbeReport {
  /** The series succeeded: a probe came back, and the loss is within the limit. */
  success: boolean;
  /** From the request's start to the series' end, in milliseconds. */
  durationMs: number;
  /** Probes sent, received, RTT statistics and failures by code. */
  summary: ProbeSummary;
  /** Milliseconds spent resolving the target's name (0 for an IP address). */
  dnsLookupMs: number;
  /** The address family of the target's address, when known. */
  ipFamily: 4 | 6 | undefined;
  /**
   * Mean milliseconds of each phase over the successful probes (`resolve`: the name
   * lookup; `echo`: from the first echoed byte to the last); 0 when none succeeded.
   */
  phasesMs: Record<Phase, number>;
  /** Whether a probe got bytes back other than those sent. */
  failedDueToBytes: boolean;
  /** The first mismatch: offset of the first differing byte, and how many differ. */
  mismatch: { offset: number; differing: number } | undefined;
  /** The distinct error codes of the failed probes, in the order first seen. */
  errorCodes: string[];
}

/**
 * Runs the series a request asks for and sums it up. A series cut short by its
 * deadline (the scrape's time) counts the probe it could not finish as a `timeout`.
 *
 * @param request What to probe, from `probeRequest()`.
 * @param signal Aborts the series: the exporter is stopping.
 * @returns The report, or `undefined` when `signal` aborted it.
 */
export async function runProbe(
  request: ProbeRequest,
  signal: AbortSignal,
): Promise<ProbeReport | undefined> {
  const started = performance.now();
  let dnsLookupMs = 0;
  let resolvedFamily: 4 | 6 | undefined;
  // Timed here, not taken from results: a failed probe has no result, and the
  // lookup's time (and family) still tell where it failed.
  const resolver: Resolver = async (hostname, family) => {
    const lookupStarted = performance.now();
    try {
      const address = await systemResolver(hostname, family);
      resolvedFamily = literalFamily(address);
      return address;
    } finally {
      dnsLookupMs += performance.now() - lookupStarted;
    }
  };
  const stats = new ProbeStats();
  const sums = { connect: 0, first_byte: 0, echo: 0 };
  let mismatch: ProbeReport["mismatch"];
  let failedDueToBytes = false;
  const errorCodes: string[] = [];
  const noteError = (code: string) => {
    if (!errorCodes.includes(code)) errorCodes.push(code);
  };

  const series = probeSeries({
    seed: crypto.getRandomValues(new Uint32Array(1))[0]!,
    ...request.series,
    resolver,
    signal,
  });
  for (let next = await series.next();; next = await series.next()) {
    if (next.done) {
      if (next.value.stoppedBy === "signal") return undefined;
      if (next.value.stoppedBy === "deadline") {
        stats.failure("timeout");
        noteError("timeout");
      }
      break;
    }
    const outcome = next.value;
    if (outcome.ok) {
      const { result } = outcome;
      stats.success(result.timeMs);
      sums.connect += result.connectMs;
      sums.first_byte += result.firstByteMs;
      sums.echo += result.echoMs - result.firstByteMs;
      resolvedFamily ??= literalFamily(result.address);
      continue;
    }
    const { error } = outcome;
    stats.failure(error.code);
    noteError(error.code);
    if (BYTE_ERRORS.has(error.code)) failedDueToBytes = true;
    if (error.code === "mismatch" && mismatch === undefined) {
      mismatch = { offset: error.details.offset ?? 0, differing: error.details.differing ?? 0 };
    }
  }

  const summary = stats.summary();
  const mean = (sum: number) => summary.received ? sum / summary.received : 0;
  const failed = summary.transmitted - summary.received;
  return {
    success: summary.received > 0 &&
      (request.maxLossPct === undefined ? failed === 0 : summary.lossPct <= request.maxLossPct),
    durationMs: performance.now() - started,
    summary,
    dnsLookupMs,
    ipFamily: literalFamily(request.series.hostname) ?? resolvedFamily,
    phasesMs: {
      resolve: dnsLookupMs,
      connect: mean(sums.connect),
      first_byte: mean(sums.first_byte),
      echo: mean(sums.echo),
    },
    failedDueToBytes,
    mismatch,
    errorCodes,
  };
}
