/**
 * Carries out `echoprobe client --udp`: a series (a line per probe and per duplicate or
 * late reply, then the statistics) or a load run (progress, then a report), and the
 * exit code.
 *
 * @module
 */

import { DEFAULTS } from "../lib/defaults.ts";
import { MAX_DATAGRAM_BYTES, UDP_HEADER_BYTES } from "../lib/udp_datagram.ts";
import { udpLoad, type UdpLoadOptions } from "../lib/udp_load.ts";
import { udpSeries, type UdpSeriesEnd } from "../lib/udp_series.ts";
import type { ClientPlan } from "./client_plan.ts";
import {
  formatLoadInterval,
  formatLoadProgress,
  type LineStyle,
  type LoadSettings,
} from "./client_lines.ts";
import { endSeries, verdict } from "./client_run.ts";
import { checkUnstableNet, EXIT, UsageError } from "./exit.ts";
import { writeProgress, writeResult, writeResultInRun } from "./output.ts";
import { interruptSignal } from "./signals.ts";
import {
  formatUdpEvent,
  formatUdpHeader,
  formatUdpLoadReport,
  formatUdpSummary,
} from "./udp_client_lines.ts";

/**
 * Runs a client plan over UDP to its end.
 *
 * @param plan The plan, its payload file read (`series.payload` holds its bytes) and
 *   its seed chosen.
 * @param style JSON or text, coloured or not.
 * @returns The exit code: 0 when every probe was answered (or the loss is within
 *   `--max-loss`), 1 otherwise, 130 after Ctrl-C, SIGTERM or SIGHUP, or once stdout closed.
 * @throws {PermissionError} Without `--unstable-net`; {@linkcode UsageError} when the
 *   payload file is too big for a datagram.
 */
export async function runUdpClient(plan: ClientPlan, style: LineStyle): Promise<number> {
  checkUnstableNet();
  const series = { ...plan.series };
  if (plan.payloadFile !== undefined) {
    // The datagram is the header, then the file's bytes.
    const fileBytes = series.size ?? 0;
    series.size = UDP_HEADER_BYTES + fileBytes;
    if (series.size > MAX_DATAGRAM_BYTES) {
      throw new UsageError(
        `Invalid --payload "@${plan.payloadFile}": the file has ${fileBytes} bytes, at most ${
          MAX_DATAGRAM_BYTES - UDP_HEADER_BYTES
        } go in a datagram after its ${UDP_HEADER_BYTES}-byte header`,
      );
    }
  }
  const udpPlan = { ...plan, series };
  return plan.load ? await runLoad(udpPlan, plan.load, style) : await runSeries(udpPlan, style);
}

async function runSeries(plan: ClientPlan, style: LineStyle): Promise<number> {
  const { series } = plan;
  const size = series.size ?? DEFAULTS.recordSize;
  const seed = series.seed ?? 1;
  if (!plan.quiet && !style.json) {
    const payload = plan.payloadName === undefined
      ? `random payload (seed ${seed})`
      : `payload ${plan.payloadName}`;
    writeResult(formatUdpHeader(plan.target, size, payload));
  }
  const started = performance.now();
  let end: UdpSeriesEnd | undefined;
  {
    using interrupt = interruptSignal();
    const events = udpSeries({ ...series, signal: interrupt.signal });
    try {
      for (let next = await events.next();; next = await events.next()) {
        if (next.done) {
          end = next.value;
          break;
        }
        if (!plan.quiet) writeResult(formatUdpEvent(next.value, size, style));
      }
    } finally {
      // A line stdout could not take (a full disk) leaves the loop mid-series: ending
      // the series closes its socket before the error is reported.
      if (end === undefined) await endSeries(events);
    }
  }
  if (!plan.quiet && !style.json) writeResult("");
  const { summary } = end;
  const durationMs = performance.now() - started;
  writeResult(formatUdpSummary(plan.target, summary, { durationMs, seed }, style));
  if (end.stoppedBy === "signal") return EXIT.interrupted;
  if (series.untilOk) return end.stoppedBy === "ok" ? EXIT.ok : EXIT.failed;
  return verdict(summary.received, summary.transmitted - summary.received, plan.maxLossPct);
}

async function runLoad(plan: ClientPlan, settings: LoadSettings, style: LineStyle) {
  const live = Deno.stderr.isTerminal();
  // The series' count (1 by default) is not load mode's: that one is in `settings`.
  const { count: _count, ...probe } = plan.series;
  using interrupt = interruptSignal();
  const options: UdpLoadOptions = { ...probe, ...settings, signal: interrupt.signal };
  if (live) options.onProgress = (progress) => writeProgress(formatLoadProgress(progress));
  // One object per second before the final one, as TCP load writes: the report plots them.
  if (style.json) {
    options.onInterval = (interval) =>
      writeResultInRun(formatLoadInterval(plan.target, interval, "udp"));
  }
  let report;
  try {
    report = await udpLoad(options);
  } finally {
    if (live) writeProgress("");
  }
  // Before the report is written: stdout closing under it does not make a finished run
  // an interrupted one.
  const interrupted = interrupt.signal.aborted;
  writeResult(formatUdpLoadReport(plan.target, report, settings, style));
  if (interrupted) return EXIT.interrupted;
  return verdict(report.received, report.transmitted - report.received, plan.maxLossPct);
}
