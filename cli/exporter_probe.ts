/**
 * Runs the probe series of one `/probe` request (a library call) and sums it up
 * for the metrics: verdict, loss, timings by phase, what failed, the TLS handshake's
 * certificate. A `proto=udp` request's series is cli/exporter_udp.ts's.
 *
 * @module
 */

import type { ProbeError } from "../lib/errors.ts";
import type { ConnectAttempt } from "../lib/happy_eyeballs.ts";
import type { ProbeResult } from "../lib/probe_options.ts";
import { literalFamily, type Resolver, systemResolver } from "../lib/resolve.ts";
import { probeSeries } from "../lib/series.ts";
import { ProbeStats, type ProbeSummary } from "../lib/stats.ts";
import type { TlsCheck } from "../lib/tls_options.ts";
import type { UdpSummary } from "../lib/udp_stats.ts";
import type { ProbeRequest } from "./exporter_params.ts";

/**
 * The phases of a probe, in order; their times add up to the probe's. `tls` is 0
 * without TLS, as blackbox's `probe_http_duration_seconds{phase="tls"}` is for plain HTTP.
 */
export const PHASES = ["resolve", "connect", "tls", "first_byte", "echo"] as const;

/** One phase of a probe. */
export type Phase = typeof PHASES[number];

/**
 * Error codes that mean the bytes came back, but not the bytes sent: changed
 * (`mismatch`), or more than sent (`extra`).
 */
const BYTE_ERRORS: ReadonlySet<string> = new Set(["mismatch", "extra"]);

/** A failure's code, and where it happened as far as the error tells: the labels of `probe_error_info`. */
export interface ErrorLabels {
  /** The error code: `refused`, `timeout`, `tls`, ... */
  code: string;
  /** Where: `resolve`, `connect`, `tls` or `echo`. */
  phase?: string;
  /** Why a TLS handshake failed: `expired`, `unknown-issuer`, `name-mismatch`, ... */
  reason?: string;
}

/** What the TLS handshakes of a series showed. */
export interface TlsReport {
  /** The protocol version of the last handshake, as the runtime names it: `TLSv1.3`. */
  version: string | undefined;
  /** The earliest end of validity of the server certificates seen. */
  notAfter: Date | undefined;
  /** What the handshakes checked and held (`[]`: nothing, `insecure_skip_verify=1` alone). */
  verified: readonly TlsCheck[] | undefined;
}

/** What only a UDP series counts (lib/udp_stats.ts). */
export type UdpFigures = Pick<UdpSummary, "lost" | "duplicates" | "reordered" | "late" | "stray">;

/** What one `/probe` series found, as the metrics show it. */
export interface ProbeReport {
  /** The series' protocol: what the metrics say depends on it. */
  proto: "tcp" | "udp";
  /** The series succeeded: a probe came back, and the loss is within the limit. */
  success: boolean;
  /** From the request's start to the series' end, in milliseconds. */
  durationMs: number;
  /** Probes sent, received, RTT statistics and failures by code. */
  summary: ProbeSummary;
  /** Milliseconds spent resolving the target's name (0 for an IP address). */
  dnsLookupMs: number;
  /**
   * The address family of the target's address, when known: of the address that
   * answered, else of the first one the name resolved to (the first tried).
   */
  ipFamily: 4 | 6 | undefined;
  /**
   * Mean milliseconds of each phase over the successful probes (`resolve`: the name
   * lookup; `echo`: from the first echoed byte to the last); 0 when none succeeded.
   * A UDP series has `resolve` only (the rest is its round trip).
   */
  phasesMs: Record<Phase, number>;
  /** Whether a probe got bytes back other than those sent. */
  failedDueToBytes: boolean;
  /** The first mismatch: offset of the first differing byte, and how many differ. */
  mismatch: { offset: number; differing: number } | undefined;
  /** The distinct failures (code, phase, reason) of the series, in the order first seen. */
  errors: ErrorLabels[];
  /**
   * Connection attempts that failed (refused, reset, timed out, error) over the series,
   * those a later address made up for (RFC 8305) included; 0 over UDP.
   */
  failedAttempts: number;
  /** With TLS: what the handshakes showed; `undefined` without TLS. */
  tls: TlsReport | undefined;
  /** Over UDP: lost, duplicated, reordered, late and stray replies; else `undefined`. */
  udp: UdpFigures | undefined;
}

/**
 * Adds a failure to the distinct failures of a series (the labels of `probe_error_info`).
 *
 * @param errors The failures so far; changed in place.
 * @param error The failure.
 */
export function noteError(errors: ErrorLabels[], error: Pick<ProbeError, "code" | "details">) {
  const labels: ErrorLabels = { code: error.code };
  if (error.details.phase !== undefined) labels.phase = error.details.phase;
  if (error.details.reason !== undefined) labels.reason = error.details.reason;
  const same = (other: ErrorLabels) =>
    other.code === labels.code && other.phase === labels.phase && other.reason === labels.reason;
  if (!errors.some(same)) errors.push(labels);
}

/**
 * Whether a series succeeded: a probe came back, and the loss is within `max_loss`
 * (without it, no probe failed).
 *
 * @param summary The series' statistics.
 * @param maxLossPct The request's `max_loss`, if given.
 * @returns The verdict.
 */
export function seriesSuccess(summary: ProbeSummary, maxLossPct: number | undefined): boolean {
  const failed = summary.transmitted - summary.received;
  return summary.received > 0 &&
    (maxLossPct === undefined ? failed === 0 : summary.lossPct <= maxLossPct);
}

/**
 * A resolver that times its lookups and notes the family of the first address (the one
 * tried first): a failed probe has no result, and the lookup still tells where it went.
 *
 * @returns The resolver, and what it saw.
 */
export function timedResolver(): {
  resolver: Resolver;
  seen: { lookupMs: number; family: 4 | 6 | undefined };
} {
  const seen = { lookupMs: 0, family: undefined as 4 | 6 | undefined };
  const resolver: Resolver = async (hostname, family) => {
    const lookupStarted = performance.now();
    try {
      const addresses = await systemResolver(hostname, family);
      const [first] = addresses;
      seen.family = first === undefined ? undefined : literalFamily(first);
      return addresses;
    } finally {
      seen.lookupMs += performance.now() - lookupStarted;
    }
  };
  return { resolver, seen };
}

/**
 * Counts the connection attempts that failed: those that neither connected nor were
 * cancelled because another one connected first.
 *
 * @param attempts A probe's attempts (a result's, or a failed connect's details), if any.
 * @returns How many failed: refused, reset, timed out or another error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failedAttempts } from "./exporter_probe.ts";
 *
 * const attempts = [
 *   { address: "::1", ms: 0.5, error: "refused" as const },
 *   { address: "127.0.0.1", ms: 0.2 },
 *   { address: "fd00::7", ms: 0.1, error: "cancelled" as const },
 * ];
 * assert.equal(failedAttempts(attempts), 1);
 * assert.equal(failedAttempts(undefined), 0);
 * ```
 */
export function failedAttempts(attempts: readonly ConnectAttempt[] | undefined): number {
  return attempts?.filter((attempt) => attempt.error && attempt.error !== "cancelled").length ?? 0;
}

/** Notes what a successful probe's TLS handshake showed. */
function noteTls(tls: TlsReport, result: ProbeResult): void {
  if (!result.tls) return; // a kept connection's later probes: the first one's handshake
  const { version, verified, certificate } = result.tls;
  tls.version = version;
  tls.verified = verified;
  if (tls.notAfter === undefined || certificate.notAfter < tls.notAfter) {
    tls.notAfter = certificate.notAfter;
  }
}

/**
 * Runs the TCP series a request asks for and sums it up. When its deadline (the scrape's
 * time) ends the series, a probe it cut short is a `timeout` (the series yields it); a
 * deadline between two probes counts nothing, as no probe was sent.
 *
 * @param request What to probe, from `probeRequest()` (`proto` `tcp`).
 * @param signal Aborts the series: the exporter is stopping.
 * @returns The report, or `undefined` when `signal` aborted it.
 */
export async function runProbe(
  request: ProbeRequest,
  signal: AbortSignal,
): Promise<ProbeReport | undefined> {
  const started = performance.now();
  const { resolver, seen } = timedResolver();
  let connectedFamily: 4 | 6 | undefined; // of the address that answered
  const stats = new ProbeStats();
  const sums = { connect: 0, tls: 0, first_byte: 0, echo: 0 };
  let mismatch: ProbeReport["mismatch"];
  let failedDueToBytes = false;
  let attemptsFailed = 0;
  const errors: ErrorLabels[] = [];
  const tls: TlsReport | undefined = request.series.tls
    ? { version: undefined, notAfter: undefined, verified: undefined }
    : undefined;

  const series = probeSeries({
    seed: crypto.getRandomValues(new Uint32Array(1))[0]!,
    ...request.series,
    resolver,
    signal,
  });
  for (let next = await series.next();; next = await series.next()) {
    if (next.done) {
      if (next.value.stoppedBy === "signal") return undefined;
      break;
    }
    const outcome = next.value;
    if (outcome.ok) {
      const { result } = outcome;
      stats.success(result.timeMs);
      sums.connect += result.connectMs;
      sums.tls += result.tlsMs ?? 0;
      sums.first_byte += result.firstByteMs;
      sums.echo += result.echoMs - result.firstByteMs;
      attemptsFailed += failedAttempts(result.attempts);
      if (tls) noteTls(tls, result);
      connectedFamily ??= literalFamily(result.address);
      continue;
    }
    const { error } = outcome;
    stats.failure(error.code);
    noteError(errors, error);
    attemptsFailed += failedAttempts(error.details.attempts);
    if (BYTE_ERRORS.has(error.code)) failedDueToBytes = true;
    if (error.code === "mismatch" && mismatch === undefined) {
      mismatch = { offset: error.details.offset ?? 0, differing: error.details.differing ?? 0 };
    }
  }

  const summary = stats.summary();
  const mean = (sum: number) => summary.received ? sum / summary.received : 0;
  return {
    proto: "tcp",
    success: seriesSuccess(summary, request.maxLossPct),
    durationMs: performance.now() - started,
    summary,
    dnsLookupMs: seen.lookupMs,
    ipFamily: literalFamily(request.series.hostname) ?? connectedFamily ?? seen.family,
    phasesMs: {
      resolve: seen.lookupMs,
      connect: mean(sums.connect),
      tls: mean(sums.tls),
      first_byte: mean(sums.first_byte),
      echo: mean(sums.echo),
    },
    failedDueToBytes,
    mismatch,
    errors,
    failedAttempts: attemptsFailed,
    tls,
    udp: undefined,
  };
}
