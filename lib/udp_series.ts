/**
 * A run of UDP probes, ping style: one datagram every interval whatever is in flight,
 * each decided by its reply or its timeout, for a count, a deadline or until one is
 * answered. The entry point for programs that probe over UDP (the exporter among them).
 *
 * @module
 */

import { DEFAULTS } from "./defaults.ts";
import { UdpProber } from "./udp_probe.ts";
import type { UdpEvent, UdpProbeOptions } from "./udp_probe_options.ts";
import type { UdpSummary } from "./udp_stats.ts";

/** Options of {@linkcode udpSeries}: those of a UDP probe, and when to stop. */
export interface UdpSeriesOptions extends UdpProbeOptions {
  /**
   * Probes to send; 0 sends until the signal, the deadline or `untilOk` stops the run.
   * @default {1}
   */
  count?: number;
  /**
   * Milliseconds from one send to the next (the next does not wait for a reply).
   * @default {1000}
   */
  intervalMs?: number;
  /** Stop after this many milliseconds. */
  deadlineMs?: number;
  /**
   * Stop at the first probe answered.
   * @default {false}
   */
  untilOk?: boolean;
  /** Stops the run. */
  signal?: AbortSignal;
}

/** How a UDP series ended, and its statistics. */
export interface UdpSeriesEnd {
  /** All probes sent and decided, the deadline, a probe answered (`untilOk`), or the signal. */
  stoppedBy: "count" | "deadline" | "ok" | "signal";
  /** The statistics of the run. */
  summary: UdpSummary;
}

/** What a series yields: see {@linkcode udpSeries}. */
export type { UdpEvent };

/**
 * Sends probes `intervalMs` apart and yields what happens, in order: each probe's
 * outcome (its reply, or its failure: `timeout` is lost) and notices of duplicate and
 * late replies. It returns once every probe is decided; when the deadline, the signal
 * or `untilOk` stops it first, the probes still in flight count as lost, as in ping.
 *
 * @param options What to probe and when to stop; see {@linkcode UdpSeriesOptions}.
 * @returns An async generator of events, whose return value is a {@linkcode UdpSeriesEnd}.
 * @throws {EchoError} Code `listen` when no UDP socket can be bound.
 *
 * @example Three probes, then the statistics
 * ```ts
 * import assert from "node:assert/strict";
 * import { udpSeries } from "./udp_series.ts";
 * import { serveUdp } from "./udp_server.ts";
 *
 * await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
 * const series = udpSeries({ hostname: "127.0.0.1", port: server.addr.port, count: 3, intervalMs: 10 });
 * const seqs = [];
 * let next = await series.next();
 * for (; !next.done; next = await series.next()) {
 *   if (next.value.kind === "probe" && next.value.ok) seqs.push(next.value.seq);
 * }
 * assert.deepEqual(seqs, [1, 2, 3]);
 * assert.equal(next.value.summary.lossPct, 0);
 * assert.equal(next.value.stoppedBy, "count");
 * ```
 */
export async function* udpSeries(
  options: UdpSeriesOptions,
): AsyncGenerator<UdpEvent, UdpSeriesEnd> {
  const count = options.count ?? DEFAULTS.count;
  const intervalMs = options.intervalMs ?? DEFAULTS.intervalMs;
  const deadline = options.deadlineMs === undefined
    ? undefined
    : AbortSignal.timeout(options.deadlineMs);
  const sources = [options.signal, deadline].filter((signal) => signal !== undefined);
  const stop = sources.length > 1 ? AbortSignal.any(sources) : sources[0];

  const events: UdpEvent[] = [];
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  stop?.addEventListener("abort", notify);
  await using prober = new UdpProber(options, (event) => {
    events.push(event);
    notify();
  });
  let stoppedBy: UdpSeriesEnd["stoppedBy"] = "count";
  let sent = 0;
  const started = performance.now();
  try {
    for (;;) {
      while ((count === 0 || sent < count) && performance.now() >= started + sent * intervalMs) {
        if (stop?.aborted) break;
        await prober.send(++sent);
      }
      let answered = false;
      while (events.length > 0) {
        const event = events.shift()!;
        yield event;
        if (options.untilOk && event.kind === "probe" && event.ok) answered = true;
      }
      if (answered) {
        stoppedBy = "ok";
        break;
      }
      if (stop?.aborted) {
        stoppedBy = options.signal?.aborted ? "signal" : "deadline";
        break;
      }
      const sending = count === 0 || sent < count;
      if (!sending && prober.inFlight === 0) break;
      // Wait for an event, the next send or the stop: whichever comes first.
      const waitMs = sending ? started + sent * intervalMs - performance.now() : Infinity;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (events.length > 0 || stop?.aborted) notify();
        else if (Number.isFinite(waitMs)) timer = setTimeout(notify, Math.max(0, waitMs));
      });
      clearTimeout(timer);
    }
  } finally {
    stop?.removeEventListener("abort", notify);
  }
  prober.expireAll("No reply before the run stopped");
  yield* events.splice(0);
  return { stoppedBy, summary: prober.stats.summary() };
}
