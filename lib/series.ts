/**
 * A run of probes, ping style: a count, an interval, a deadline, stop at the
 * first success.
 *
 * @module
 */

import { DEFAULTS } from "./defaults.ts";
import { delay } from "./delay.ts";
import { deadlineProblem } from "./echo_problem.ts";
import { ProbeError } from "./errors.ts";
import { type ProbeOptions, Prober, type ProbeResult } from "./probe.ts";

/** Options of {@linkcode probeSeries}: those of a probe, and when to stop. */
export interface SeriesOptions extends ProbeOptions {
  /**
   * Probes to send; 0 sends until the signal, the deadline or `untilOk` stops the run.
   * @default {1}
   */
  count?: number;
  /**
   * Milliseconds from the start of one probe to the start of the next.
   * @default {1000}
   */
  intervalMs?: number;
  /**
   * Stop after this many milliseconds, cutting short a probe in progress: that probe fails
   * (code `timeout`, in the phase it was in), as ping counts it lost.
   */
  deadlineMs?: number;
  /**
   * Stop after the first successful probe.
   * @default {false}
   */
  untilOk?: boolean;
}

/** One probe of a series: its result or its failure, and when it started. */
export type ProbeOutcome =
  & { seq: number; timestamp: Date }
  & ({ ok: true; result: ProbeResult } | { ok: false; error: ProbeError });

/** What a series did, besides the probes themselves. */
export interface SeriesEnd {
  /** Reused connections that dropped and were reconnected. */
  drops: number;
  /** Why the series ended: all probes sent, the deadline, a success (`untilOk`), or the signal. */
  stoppedBy: "count" | "deadline" | "ok" | "signal";
}

/**
 * Runs probes one after the other and yields each outcome; returns why it stopped.
 * A probe cut short by the deadline is yielded as failed (code `timeout`, the phase it
 * was in, the message saying the deadline ended it; a `mismatch` if the bytes of its echo
 * that came back differ from those sent): it was sent, and nothing came back in time. A
 * deadline between two probes stops the series with nothing more to yield. A probe cut
 * short by the signal (Ctrl-C) is not yielded: the run was interrupted, not timed out.
 *
 * On a kept connection (`reuse`) a probe's outcome is yielded when the next probe is
 * about to be sent (or when the run ends): bytes that arrive after its echo until then
 * are its own, and fail it with code `extra` (see `Prober.settle()`).
 *
 * @param options What to probe and when to stop; see {@linkcode SeriesOptions}.
 * @returns An async generator of outcomes, whose return value is a {@linkcode SeriesEnd}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { probeSeries } from "./series.ts";
 * import { serve } from "./server.ts";
 *
 * await using server = serve({ hostname: "127.0.0.1", port: 0 });
 * const series = probeSeries({
 *   hostname: "127.0.0.1",
 *   port: server.addr.port,
 *   count: 3,
 *   intervalMs: 10,
 * });
 * const seqs = [];
 * for await (const outcome of series) {
 *   assert.ok(outcome.ok);
 *   seqs.push(outcome.seq);
 * }
 * assert.deepEqual(seqs, [1, 2, 3]);
 * ```
 */
export async function* probeSeries(
  options: SeriesOptions,
): AsyncGenerator<ProbeOutcome, SeriesEnd> {
  const count = options.count ?? DEFAULTS.count;
  const intervalMs = options.intervalMs ?? DEFAULTS.intervalMs;
  const deadline = options.deadlineMs === undefined
    ? undefined
    : AbortSignal.timeout(options.deadlineMs);
  const sources = [options.signal, deadline].filter((signal) => signal !== undefined);
  const stop = sources.length > 1 ? AbortSignal.any(sources) : sources[0];
  await using prober = new Prober(stop ? { ...options, signal: stop } : options);
  const end = (stoppedBy: SeriesEnd["stoppedBy"]): SeriesEnd => ({
    drops: prober.drops,
    stoppedBy,
  });
  const stoppedBy = (): SeriesEnd["stoppedBy"] => options.signal?.aborted ? "signal" : "deadline";

  for (let seq = 1; count === 0 || seq <= count; seq++) {
    const started = performance.now();
    const timestamp = new Date();
    const wait = () => {
      const ms = intervalMs - (performance.now() - started);
      return ms > 0 ? delay(ms, stop) : Promise.resolve(!stop?.aborted);
    };
    let outcome: ProbeOutcome;
    try {
      outcome = { seq, timestamp, ok: true, result: await prober.probe(seq) };
    } catch (error) {
      if (options.signal?.aborted) return end("signal");
      if (!(error instanceof ProbeError)) {
        if (!stop?.aborted) throw error;
        // The deadline cut the probe short (the prober throws its reason). It had not
        // started connecting when the prober says nothing: it was resolving the name.
        const where = prober.cutShort ??
          { seq, host: options.hostname, port: options.port ?? DEFAULTS.port, phase: "resolve" };
        yield { seq, timestamp, ok: false, error: deadlineProblem(where, options.deadlineMs!) };
        return end("deadline");
      }
      outcome = { seq, timestamp, ok: false, error };
    }
    const last = count !== 0 && seq >= count;
    let waited = false;
    if (prober.unsettled) {
      // A kept connection: the verdict is final when the next probe is sent, so the
      // wait for it comes first. With no next probe, the server's close settles it.
      const settleNow = last || options.untilOk === true;
      if (!settleNow) {
        await wait(); // cut short by the stop: settled with what came so far
        waited = true;
      }
      const late = await prober.settle(settleNow);
      if (late) outcome = { seq, timestamp, ok: false, error: late };
    }
    yield outcome;
    if (outcome.ok && options.untilOk) return end("ok");
    if (stop?.aborted) return end(stoppedBy());
    if (last) break;
    if (!waited && !await wait()) return end(stoppedBy());
    if (stop?.aborted) return end(stoppedBy());
  }
  return end("count");
}
