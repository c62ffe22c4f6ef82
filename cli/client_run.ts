/**
 * Carries out a client plan: reads a payload file, runs the series (a line per
 * probe, then the statistics) or the load run (progress, then a report), and
 * decides the exit code.
 *
 * @module
 */

import { checkLoadBudget, type ClientPlan } from "./client_plan.ts";
import { MAX_PROBE_SIZE } from "../lib/defaults.ts";
import { load, type LoadOptions } from "../lib/load.ts";
import { probeSettings } from "../lib/probe.ts";
import { probeSeries, type SeriesEnd } from "../lib/series.ts";
import { ProbeStats } from "../lib/stats.ts";
import {
  formatLoadInterval,
  formatLoadProgress,
  formatLoadReport,
  formatOutcome,
  formatSummary,
  type LineStyle,
  type LoadSettings,
} from "./client_lines.ts";
import { EXIT, UsageError } from "./exit.ts";
import { writeLog, writeProgress, writeResult, writeResultInRun } from "./output.ts";
import { interruptSignal } from "./signals.ts";
import { readFailure } from "./text.ts";
import { withCaFile } from "./tls_files.ts";
import { formatTlsMode } from "./tls_lines.ts";

/**
 * Runs a client plan to its end.
 *
 * @param plan What `parseClientArgs()` made of the arguments.
 * @returns The exit code.
 * @throws {UsageError} When the payload file cannot be read.
 */
export async function runClient(plan: ClientPlan): Promise<number> {
  const series = { ...plan.series };
  if (plan.payloadFile !== undefined) {
    const bytes = await readPayloadFile(plan.payloadFile);
    series.payload = { kind: "bytes", bytes };
    series.size = bytes.length;
    if (plan.load && !plan.udp) {
      checkLoadBudget(
        plan.load.concurrency,
        bytes.length,
        `--payload "@${plan.payloadFile}" (${bytes.length} bytes)`,
      );
    }
  }
  series.seed ??= crypto.getRandomValues(new Uint32Array(1))[0]!;
  // TLS (cli/tls_files.ts): the CA certificates read, and a loud word when not verifying.
  if (series.tls && plan.caFile !== undefined) {
    series.tls = await withCaFile(plan.caFile, series.tls);
  }
  if (series.tls?.insecureSkipVerify) writeLog(`echoprobe: warning: ${formatTlsMode(series.tls)}`);
  const style: LineStyle = {
    json: plan.json,
    color: !plan.json && Deno.stdout.isTerminal() && !Deno.noColor,
  };
  const resolved = { ...plan, series };
  if (plan.udp) {
    // Datagrams instead of connections: cli/udp_client_run.ts.
    const { runUdpClient } = await import("./udp_client_run.ts");
    return await runUdpClient(resolved, style);
  }
  return plan.load
    ? await runLoad(resolved, plan.load, style)
    : await runSeries(resolved, series.seed, style);
}

/** A ping-style series: the header, a line per probe, the statistics. */
async function runSeries(plan: ClientPlan, seed: number, style: LineStyle): Promise<number> {
  const { series } = plan;
  if (!plan.quiet && !style.json) {
    const { size, reuse, connectOnly, tls } = probeSettings(series);
    const mode = reuse ? "one connection" : "a new connection per probe";
    const payload = plan.payloadName === undefined
      ? `random payload (seed ${seed})`
      : `payload ${plan.payloadName}`;
    const what = connectOnly ? "connect only, nothing sent" : `${size} bytes, ${mode}, ${payload}`;
    writeResult(`ECHOPROBE ${plan.target}: ${what}${tls ? `, ${formatTlsMode(tls)}` : ""}`);
  }
  const stats = new ProbeStats();
  const started = performance.now();
  let end: SeriesEnd | undefined;
  {
    using interrupt = interruptSignal();
    const probes = probeSeries({ ...series, signal: interrupt.signal });
    try {
      for (let next = await probes.next();; next = await probes.next()) {
        if (next.done) {
          end = next.value;
          break;
        }
        const outcome = next.value;
        if (outcome.ok) stats.success(outcome.result.timeMs);
        else stats.failure(outcome.error.code);
        if (!plan.quiet) writeResult(formatOutcome(outcome, style));
      }
    } finally {
      // A line stdout could not take (a full disk) leaves the loop mid-series: ending
      // the series closes its connection before the error is reported.
      if (end === undefined) await endSeries(probes);
    }
  }
  if (!plan.quiet && !style.json) writeResult("");
  const summary = stats.summary();
  writeResult(formatSummary(plan.target, summary, {
    drops: end.drops,
    durationMs: performance.now() - started,
    seed,
  }, style));
  // Ctrl-C, SIGTERM, SIGHUP, or stdout closed (cli/signals.ts): the summary, then 130.
  if (end.stoppedBy === "signal") return EXIT.interrupted;
  if (series.untilOk) return end.stoppedBy === "ok" ? EXIT.ok : EXIT.failed;
  return verdict(summary.received, summary.transmitted - summary.received, plan.maxLossPct);
}

/** Load mode: runs `load()`, shows progress on a terminal, reports once at the end. */
async function runLoad(plan: ClientPlan, settings: LoadSettings, style: LineStyle) {
  const live = Deno.stderr.isTerminal();
  // The series' count (1 by default) is not load mode's: that one is in `settings`.
  const { count: _count, ...probe } = plan.series;
  using interrupt = interruptSignal();
  const options: LoadOptions = { ...probe, ...settings, signal: interrupt.signal };
  if (live) options.onProgress = (progress) => writeProgress(formatLoadProgress(progress));
  // One object per second before the final one, so `echoprobe report` can plot the run.
  if (style.json) {
    options.onInterval = (interval) => writeResultInRun(formatLoadInterval(plan.target, interval));
  }
  let report;
  try {
    report = await load(options);
  } finally {
    if (live) writeProgress("");
  }
  // Before the report is written: stdout closing under it does not make a finished run
  // an interrupted one.
  const interrupted = interrupt.signal.aborted;
  writeResult(formatLoadReport(plan.target, report, settings, style));
  if (interrupted) return EXIT.interrupted;
  return verdict(report.ok, report.failed, plan.maxLossPct);
}

/**
 * The exit code of a finished run: 1 when nothing succeeded; with a loss limit, 1
 * above it; without one, 1 when anything failed.
 *
 * @param ok Probes that succeeded.
 * @param failed Probes that failed.
 * @param maxLossPct `--max-loss`, if given.
 * @returns 0 or 1.
 */
export function verdict(ok: number, failed: number, maxLossPct: number | undefined): number {
  if (ok === 0) return EXIT.failed;
  if (maxLossPct !== undefined) {
    return (100 * failed) / (ok + failed) > maxLossPct ? EXIT.failed : EXIT.ok;
  }
  return failed > 0 ? EXIT.failed : EXIT.ok;
}

/**
 * Ends a series the run left mid-way (a line stdout could not take): the generator's
 * return runs its cleanup, which closes its connection or socket.
 *
 * @param series The series' generator.
 */
export async function endSeries(series: AsyncGenerator<unknown, unknown>): Promise<void> {
  await series.return(undefined);
}

/** The bytes of `--payload @FILE` (`-`: standard input, which needs no permission). */
async function readPayloadFile(path: string): Promise<Uint8Array> {
  const flag = `--payload "@${path}"`;
  let bytes: Uint8Array;
  try {
    // "@-" reads standard input: the compiled binary has no permission to read files.
    bytes = path === "-"
      ? await new Response(Deno.stdin.readable).bytes()
      : await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) {
      throw new UsageError(
        `Reading "${path}" needs read permission: run with --allow-read, or give the file on standard input: --payload @- < "${path}"`,
      );
    }
    throw new UsageError(`Cannot read ${flag}: ${readFailure(error)}`);
  }
  if (bytes.length === 0 || bytes.length > MAX_PROBE_SIZE) {
    throw new UsageError(
      `Invalid ${flag}: the file has ${bytes.length} bytes, expected 1 to ${MAX_PROBE_SIZE}`,
    );
  }
  return bytes;
}
