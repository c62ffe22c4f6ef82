/**
 * Load: many probe loops at once, for a duration or a count, as fast as possible
 * or at a fixed rate.
 *
 * @module
 */

import { delay } from "./delay.ts";
import type { ErrorCode } from "./errors.ts";
import { ProbeError } from "./errors.ts";
import { Histogram } from "./histogram.ts";
import { type ProbeOptions, Prober, type ProbeResult } from "./probe.ts";

/** Options of {@linkcode load}: those of a probe, and how much load. */
export interface LoadOptions extends ProbeOptions {
  /**
   * Probe loops running at once, each with its own connection (`reuse`) or a new
   * connection per probe.
   * @default {1}
   */
  concurrency?: number;
  /** Stop after this many milliseconds. */
  durationMs?: number;
  /** Stop after this many probes in all. One of `durationMs` and `count` is needed. */
  count?: number;
  /**
   * Probes per second over all loops, on a fixed schedule; latency then counts from
   * each probe's scheduled start, so a server that stalls cannot hide the stall
   * (coordinated omission). Without it, each loop sends as fast as it can.
   */
  rate?: number;
  /** Called about once a second with the figures so far. */
  onProgress?: (progress: LoadProgress) => void;
}

/** Figures of a load run so far. */
export interface LoadProgress {
  /** Milliseconds since the start. */
  elapsedMs: number;
  /** Successful probes. */
  ok: number;
  /** Failed probes. */
  failed: number;
  /** Bytes echoed back by successful probes. */
  bytes: number;
  /** 99th percentile of the latency so far, in milliseconds. */
  p99Ms: number;
}

/** The result of a load run. */
export interface LoadReport extends LoadProgress {
  /** Probe loops. */
  concurrency: number;
  /** Successful probes per second. */
  perSecond: number;
  /** Echoed megabytes (10^6 bytes) per second. */
  megabytesPerSecond: number;
  /** Latency in milliseconds: from the start of a probe, or its scheduled start with `rate`. */
  latency: {
    minMs: number;
    p50Ms: number;
    p90Ms: number;
    p99Ms: number;
    p999Ms: number;
    maxMs: number;
  };
  /** Failed probes by code. */
  errors: Partial<Record<ErrorCode, number>>;
  /** Reused connections that dropped and were reconnected. */
  drops: number;
}

/**
 * Runs probe loops against an echo server and measures them.
 *
 * Latency goes into a {@linkcode Histogram}: memory stays the same however long the
 * run. A failed probe is counted by code and the loop goes on.
 *
 * @param options What to probe, how many loops, how long or how many; see {@linkcode LoadOptions}.
 * @returns Totals, rates, latency percentiles and errors.
 * @throws {RangeError} When neither `durationMs` nor `count` is given.
 * @throws The reason of `options.signal` never: an abort ends the run early, and the
 *   report covers what was done.
 *
 * @example
 * ```ts
 * import { load } from "./load.ts";
 * import { serve } from "./server.ts";
 *
 * await using server = serve({ hostname: "127.0.0.1", port: 0 });
 * const report = await load({
 *   hostname: "127.0.0.1",
 *   port: server.addr.port,
 *   concurrency: 4,
 *   reuse: true,
 *   count: 400,
 * });
 * // report.ok === 400, report.latency.p99Ms, report.perSecond
 * ```
 */
export async function load(options: LoadOptions): Promise<LoadReport> {
  const { durationMs, count, rate, onProgress } = options;
  if (durationMs === undefined && count === undefined) {
    throw new RangeError("load() needs durationMs or count");
  }
  const concurrency = options.concurrency ?? 1;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const timer = durationMs === undefined ? undefined : setTimeout(onAbort, durationMs);

  const histogram = new Histogram();
  const errors: Partial<Record<ErrorCode, number>> = {};
  const totals = { ok: 0, failed: 0, bytes: 0, min: Infinity, max: 0 };
  const started = performance.now();
  let next = 0; // the index of the next probe, over all loops
  const progress = (): LoadProgress => ({
    elapsedMs: performance.now() - started,
    ok: totals.ok,
    failed: totals.failed,
    bytes: totals.bytes,
    p99Ms: histogram.percentile(99),
  });
  const ticker = onProgress ? setInterval(() => onProgress(progress()), 1_000) : undefined;

  const probers: Prober[] = [];
  const loop = async () => {
    await using prober = new Prober({ ...options, signal: stop.signal });
    probers.push(prober);
    while (!stop.signal.aborted) {
      const index = next++;
      if (count !== undefined && index >= count) break;
      let start = NaN; // NaN: the probe's own start
      if (rate !== undefined) {
        start = performance.now();
        const scheduled = started + (index * 1000) / rate;
        const wait = scheduled - start;
        if (wait > 0 && !await delay(wait, stop.signal)) break;
        // Late: latency counts from the scheduled start. Early (a timer may fire a
        // little before its time): from the real one.
        start = Math.min(scheduled, performance.now());
      }
      let result: ProbeResult;
      try {
        result = await prober.probe(index + 1);
      } catch (error) {
        if (stop.signal.aborted) break;
        if (!(error instanceof ProbeError)) throw error;
        totals.failed++;
        errors[error.code] = (errors[error.code] ?? 0) + 1;
        continue;
      }
      const ms = Number.isNaN(start) ? result.totalMs : result.finishedAt - start;
      histogram.record(ms);
      if (ms < totals.min) totals.min = ms;
      if (ms > totals.max) totals.max = ms;
      totals.ok++;
      totals.bytes += options.size ?? 250;
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
  } finally {
    clearTimeout(timer);
    clearInterval(ticker);
    options.signal?.removeEventListener("abort", onAbort);
  }
  const end = progress();
  const seconds = end.elapsedMs / 1000;
  return {
    ...end,
    concurrency,
    perSecond: end.ok / seconds,
    megabytesPerSecond: end.bytes / 1e6 / seconds,
    latency: {
      minMs: end.ok ? totals.min : NaN,
      p50Ms: clamp(histogram.percentile(50), totals),
      p90Ms: clamp(histogram.percentile(90), totals),
      p99Ms: clamp(histogram.percentile(99), totals),
      p999Ms: clamp(histogram.percentile(99.9), totals),
      maxMs: end.ok ? totals.max : NaN,
    },
    errors,
    drops: probers.reduce((sum, prober) => sum + prober.drops, 0),
  };
}

/** A percentile estimate never lies outside the values seen. */
function clamp(ms: number, seen: { min: number; max: number }): number {
  return Number.isNaN(ms) ? ms : Math.min(seen.max, Math.max(seen.min, ms));
}
