/**
 * Load: many probe loops at once, for a duration or a count, as fast as possible
 * or at a fixed rate.
 *
 * @module
 */

import { DeadlineTimer } from "./deadline.ts";
import { MAX_LOAD_BUFFER_BYTES } from "./defaults.ts";
import { delay } from "./delay.ts";
import { type ErrorCode, ProbeError } from "./errors.ts";
import { loadBufferBytes } from "./exchange.ts";
import { type ProbeOptions, Prober, type ProbeResult, probeSettings } from "./probe.ts";
import { LoadIntervals } from "./load_intervals.ts";
import { ProbeStats } from "./stats.ts";

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
  /**
   * Stop after this many probes in all (0: no count). Without `durationMs` or a count,
   * the run goes on until `signal` aborts.
   */
  count?: number;
  /**
   * Probes per second over all loops, on a fixed schedule; latency then counts from
   * each probe's scheduled start, so a server that stalls cannot hide the stall
   * (coordinated omission). Without it, each loop sends as fast as it can.
   */
  rate?: number;
  /** Called about once a second with the figures so far. */
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Called about once a second with the figures of that second alone (as iperf3's
   * intervals), and once at the end for the part second left: the intervals follow
   * each other without a gap and add up to the report's totals.
   */
  onInterval?: (interval: LoadInterval) => void;
}

/** The figures of one interval of a load run (about a second), on their own. */
export interface LoadInterval {
  /** Wall-clock time at the start of the interval. */
  startedAt: Date;
  /** Milliseconds from the run's start to the interval's start. */
  startMs: number;
  /** Milliseconds from the run's start to the interval's end. */
  elapsedMs: number;
  /** Probes that succeeded and ended in this interval. */
  ok: number;
  /** Probes that failed in this interval. */
  failed: number;
  /** Median latency of this interval's successes, in milliseconds (`NaN` when none). */
  p50Ms: number;
  /** 99th percentile of this interval's latency, in milliseconds (`NaN` when none). */
  p99Ms: number;
  /** Slowest success of this interval, in milliseconds (`NaN` when none). */
  maxMs: number;
  /** This interval's failures by code. */
  errors: Partial<Record<ErrorCode, number>>;
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
 * Latency goes into a {@linkcode ProbeStats} (a fixed-size histogram): memory stays
 * the same however long the run. A failed probe is counted by code and the loop
 * goes on. Every loop's deadlines share one timer. The loops' buffers together (see
 * {@linkcode loadBufferBytes}) are held to `MAX_LOAD_BUFFER_BYTES` (256 MiB).
 *
 * @param options What to probe, how many loops, how long or how many; see {@linkcode LoadOptions}.
 * @returns Totals, rates, latency percentiles and errors.
 * @throws {RangeError} When none of `durationMs`, `count` and `signal` is given, or the
 *   buffers of `concurrency` loops of `size` would pass `MAX_LOAD_BUFFER_BYTES`.
 * @throws The reason of `options.signal` never: an abort ends the run early, and the
 *   report covers what was done.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
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
 * assert.equal(report.ok, 400);
 * assert.equal(report.failed, 0);
 * assert.ok(report.latency.minMs <= report.latency.p99Ms);
 * ```
 */
export async function load(options: LoadOptions): Promise<LoadReport> {
  const { durationMs, rate, onProgress, onInterval } = options;
  const count = options.count || undefined;
  if (durationMs === undefined && count === undefined && options.signal === undefined) {
    throw new RangeError("load() needs durationMs, count or signal");
  }
  const concurrency = options.concurrency ?? 1;
  const { size, timeoutMs, connectOnly } = probeSettings(options);
  const bufferBytes = loadBufferBytes(concurrency, size);
  if (bufferBytes > MAX_LOAD_BUFFER_BYTES) {
    throw new RangeError(
      `load() with ${concurrency} loops of ${size} bytes needs ${bufferBytes} bytes of buffers, above ${MAX_LOAD_BUFFER_BYTES}`,
    );
  }
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const timer = durationMs === undefined ? undefined : setTimeout(onAbort, durationMs);
  // One deadline timer for every loop: 10,000 loops, one interval.
  using deadlines = new DeadlineTimer(timeoutMs);

  const stats = new ProbeStats();
  const started = performance.now();
  const startedAt = Date.now();
  // Only when intervals are asked for: one more histogram count per probe.
  const second = onInterval && new LoadIntervals(startedAt, onInterval);
  let next = 0; // the index of the next probe, over all loops
  const progress = (elapsedMs = performance.now() - started): LoadProgress => {
    const { transmitted, received } = stats.summary();
    return {
      elapsedMs,
      ok: received,
      failed: transmitted - received,
      bytes: connectOnly ? 0 : received * size, // a connect-only probe sends nothing
      p99Ms: stats.percentile(99),
    };
  };
  const tick = () => {
    const elapsedMs = performance.now() - started;
    second?.end(elapsedMs);
    onProgress?.(progress(elapsedMs));
  };
  const ticker = onProgress || onInterval ? setInterval(tick, 1_000) : undefined;

  const probers: Prober[] = [];
  const loop = async () => {
    await using prober = new Prober({ ...options, signal: stop.signal }, { timer: deadlines });
    probers.push(prober);
    // On a kept connection a probe's verdict is final when the next one is sent (or at
    // the end): bytes after its echo until then fail it (`extra`), so it is counted then.
    let pending: ProbeResult | undefined;
    let pendingStart = NaN;
    const tally = (late: ProbeError | undefined) => {
      if (late) {
        stats.failure(late.code);
        second?.failure(late.code);
      } else {
        const ms = latency(pending!, pendingStart);
        stats.success(ms);
        second?.success(ms);
      }
      pending = undefined;
    };
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
      if (pending) tally(await prober.settle());
      let result: ProbeResult;
      try {
        result = await prober.probe(index + 1);
      } catch (error) {
        if (stop.signal.aborted) break;
        if (!(error instanceof ProbeError)) throw error;
        stats.failure(error.code);
        second?.failure(error.code);
        continue;
      }
      if (prober.unsettled) {
        pending = result;
        pendingStart = start;
      } else {
        const ms = latency(result, start);
        stats.success(ms);
        second?.success(ms);
      }
    }
    // The run's end: after a count, the server's close settles the last probe.
    if (pending) tally(await prober.settle(!stop.signal.aborted));
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
  } finally {
    clearTimeout(timer);
    clearInterval(ticker);
    options.signal?.removeEventListener("abort", onAbort);
  }
  const end = progress();
  // The part second left, or the whole run when it was shorter than a second.
  if (second?.worthEnding) second.end(end.elapsedMs);
  const summary = stats.summary();
  const seconds = end.elapsedMs / 1000;
  return {
    ...end,
    concurrency,
    perSecond: end.ok / seconds,
    megabytesPerSecond: end.bytes / 1e6 / seconds,
    latency: {
      minMs: summary.minMs,
      p50Ms: summary.p50Ms,
      p90Ms: summary.p90Ms,
      p99Ms: summary.p99Ms,
      p999Ms: stats.percentile(99.9),
      maxMs: summary.maxMs,
    },
    errors: summary.errors,
    drops: probers.reduce((sum, prober) => sum + prober.drops, 0),
  };
}

/** A probe's latency: from its start, or with a rate from its scheduled start (`start`). */
function latency(result: ProbeResult, start: number): number {
  return Number.isNaN(start) ? result.totalMs : result.finishedAt - start;
}
