/**
 * Load over UDP: probes at a fixed rate whatever is in flight (latency from each
 * probe's scheduled send), or closed loops of one probe at a time.
 *
 * @module
 */

import { delay } from "./delay.ts";
import type { LoadInterval, LoadProgress } from "./load.ts";
import { LoadIntervals } from "./load_intervals.ts";
import { probeSettings } from "./probe_options.ts";
import { UdpProber } from "./udp_probe.ts";
import type { UdpEvent, UdpProbeOptions } from "./udp_probe_options.ts";
import type { UdpSummary } from "./udp_stats.ts";

/** Probes in flight at most in a run at a rate; the sender waits for room beyond it. */
const MAX_IN_FLIGHT = 100_000;

/** Options of {@linkcode udpLoad}: those of a UDP probe, and how much load. */
export interface UdpLoadOptions extends UdpProbeOptions {
  /**
   * Without `rate`: loops at once, each sending its next probe once the last is
   * decided. With `rate` it is not used.
   * @default {1}
   */
  concurrency?: number;
  /** Stop sending after this many milliseconds. */
  durationMs?: number;
  /**
   * Stop sending after this many probes. Without `durationMs` or `count`, the run goes
   * on until `signal` aborts.
   */
  count?: number;
  /**
   * Probes per second on a fixed schedule, sent whatever is in flight (as UDP senders
   * do); latency counts from each probe's scheduled send, so a sender that falls
   * behind cannot hide it (coordinated omission).
   */
  rate?: number;
  /** Ends the run early: the probes in flight are dropped, the report covers the rest. */
  signal?: AbortSignal;
  /** Called about once a second with the figures so far. */
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Called about once a second with the figures of the probes decided in that second
   * (as TCP load's, and iperf3's, intervals), and once at the end for the rest: the
   * last interval ends when the last probe is decided (its reply, or its timeout), so
   * the intervals add up to the report's totals.
   */
  onInterval?: (interval: LoadInterval) => void;
}

/** The result of a UDP load run: the statistics of its probes, and its rates. */
export interface UdpLoadReport extends UdpSummary {
  /** Loops (without a rate), or 1. */
  concurrency: number;
  /** Milliseconds spent sending (the replies still in flight then are waited for apart). */
  elapsedMs: number;
  /** Probes answered per second of sending. */
  perSecond: number;
  /** Bytes echoed back, by the probes answered. */
  bytes: number;
  /** Echoed megabytes (10^6 bytes) per second of sending. */
  megabytesPerSecond: number;
  /** The 99.9th percentile of the latency, within 1%. */
  p999Ms: number;
}

/**
 * Runs UDP load against an echo server and measures it. When sending stops (duration,
 * count), the replies in flight are waited for, up to the timeout, so that every probe
 * is decided: set a short `timeoutMs` to bound that wait.
 *
 * @param options What to probe, how fast, how long; see {@linkcode UdpLoadOptions}.
 * @returns The statistics (loss, duplicates, reordering, jitter, latency) and rates.
 * @throws {RangeError} When none of `durationMs`, `count` and `signal` is given.
 * @throws {ProbeError} Code `resolve` when the host name does not resolve.
 * @throws {EchoError} Code `listen` when no UDP socket can be bound.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { udpLoad } from "./udp_load.ts";
 * import { serveUdp } from "./udp_server.ts";
 *
 * await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
 * const report = await udpLoad({
 *   hostname: "127.0.0.1",
 *   port: server.addr.port,
 *   rate: 1000,
 *   count: 100,
 *   timeoutMs: 1000,
 * });
 * assert.equal(report.received, 100);
 * assert.ok(report.minMs <= report.p99Ms);
 * ```
 */
export async function udpLoad(options: UdpLoadOptions): Promise<UdpLoadReport> {
  const { durationMs, count, rate, onProgress, onInterval } = options;
  if (durationMs === undefined && count === undefined && options.signal === undefined) {
    throw new RangeError("udpLoad() needs durationMs, count or signal");
  }
  const concurrency = rate === undefined ? options.concurrency ?? 1 : 1;
  const { size } = probeSettings(options);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  // At a rate the schedule ends at the duration by itself (to the probe); loops need a timer.
  const timer = durationMs === undefined || rate !== undefined
    ? undefined
    : setTimeout(onAbort, durationMs);
  const startedAt = Date.now();
  // Only when intervals are asked for: each probe's outcome also goes to the second's.
  const second = onInterval && new LoadIntervals(startedAt, onInterval);
  const onEvent = second && ((event: UdpEvent) => {
    if (event.kind !== "probe") return; // duplicates and late replies: in the summary
    if (event.ok) second.success(event.reply.latencyMs);
    else second.failure(event.error.code);
  });
  await using prober = new UdpProber(options, onEvent);
  const { stats } = prober;
  const started = performance.now();
  const ticker = onProgress === undefined && onInterval === undefined
    ? undefined
    : setInterval(() => {
      const elapsedMs = performance.now() - started;
      second?.end(elapsedMs);
      if (!onProgress) return;
      const { transmitted, received } = stats.summary();
      onProgress({
        elapsedMs,
        ok: received,
        failed: transmitted - received,
        bytes: received * size,
        p99Ms: stats.percentile(99),
      });
    }, 1_000);
  let elapsedMs: number;
  try {
    // A name that does not resolve ends the run before it starts: with one address for
    // all probes, every probe would fail the same way.
    await prober.open();
    if (rate === undefined) await closedLoops(prober, concurrency, count, stop.signal);
    else await scheduled(prober, rate, count, durationMs, stop.signal);
    elapsedMs = performance.now() - started;
    if (!options.signal?.aborted) await prober.waitInFlight(1, options.signal);
  } finally {
    clearTimeout(timer);
    clearInterval(ticker);
    options.signal?.removeEventListener("abort", onAbort);
  }
  second?.end(performance.now() - started); // the rest, to the last probe decided
  const summary = stats.summary();
  const seconds = elapsedMs / 1000;
  const bytes = summary.received * size;
  return {
    ...summary,
    concurrency,
    elapsedMs,
    perSecond: summary.received / seconds,
    bytes,
    megabytesPerSecond: bytes / 1e6 / seconds,
    p999Ms: stats.percentile(99.9),
  };
}

/**
 * Sends on the schedule of `rate`; behind it, sends at once (latency from the schedule).
 * The schedule ends at the duration: a late timer sends no probe due after it.
 */
async function scheduled(
  prober: UdpProber,
  rate: number,
  count: number | undefined,
  durationMs: number | undefined,
  stop: AbortSignal,
): Promise<void> {
  const started = performance.now();
  const endAt = started + (durationMs ?? Infinity);
  for (let index = 0; count === undefined || index < count; index++) {
    const scheduledAt = started + (index * 1000) / rate;
    if (scheduledAt >= endAt) {
      await delay(endAt - performance.now(), stop); // the run lasts its duration
      return;
    }
    const waitMs = scheduledAt - performance.now();
    if (waitMs > 0 && !await delay(waitMs, stop)) return;
    if (stop.aborted) return;
    if (prober.inFlight >= MAX_IN_FLIGHT && !await prober.waitInFlight(MAX_IN_FLIGHT, stop)) {
      return;
    }
    // A timer may fire a little early: then the latency counts from the real send.
    await prober.send(index + 1, Math.min(scheduledAt, performance.now()));
  }
}

/** `concurrency` loops, each sending its next probe once its last one is decided. */
async function closedLoops(
  prober: UdpProber,
  concurrency: number,
  count: number | undefined,
  stop: AbortSignal,
): Promise<void> {
  let next = 0;
  const loop = async () => {
    while (!stop.aborted) {
      const index = next++;
      if (count !== undefined && index >= count) return;
      await prober.exchange(index + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}
