/**
 * The charts of `echoprobe report`, as SVG: latency over time, latency by percentile,
 * and throughput over time for load runs. Every run is drawn on the same axes, in its
 * own colour; time runs from each run's own start, so runs made at different times
 * lie over each other.
 *
 * @module
 */

// @ts-types="npm:@types/d3-shape@3.1.8"
import { area, line } from "npm:d3-shape@3.2.0";
import {
  downsample,
  percentileCurve,
  type Window,
  windowLengthMs,
  windowsOf,
} from "./report_data.ts";
import type { RunFigures } from "./report_figures.ts";
import type { Run } from "./report_input.ts";
import {
  escapeHtml,
  formatLatency,
  type Frame,
  px,
  scaleLinear,
  scaleLog,
  xAxis,
  yAxis,
} from "./report_svg.ts";

/** A run as the charts take it. */
export interface ChartRun {
  /** The run. */
  run: Run;
  /** Its figures. */
  figures: RunFigures;
  /** How the page names it: target and start time. */
  label: string;
  /** For each of the run's failure codes, its place among the page's codes. */
  codeIndex: readonly number[];
}

const WIDTH = 1000;
const LEFT = 64;
const RIGHT = WIDTH - 32;
const PLOT_HEIGHT = 300;
const BOTTOM_SPACE = 44;
/** The height of a run's lane of failure marks, above the latency plot. */
const LANE = 12;

function frameOf(top: number): Frame {
  const bottom = top + PLOT_HEIGHT;
  return { width: WIDTH, height: bottom + BOTTOM_SPACE, left: LEFT, right: RIGHT, top, bottom };
}

function svg(frame: Frame, label: string, body: string[]): string {
  return `<svg class="chart" viewBox="0 0 ${frame.width} ${frame.height}" width="${frame.width}" height="${frame.height}" role="img" aria-label="${
    escapeHtml(label)
  }">${body.join("")}</svg>`;
}

/** How far a run reaches from its start, in milliseconds. */
function spanMs(run: Run): number {
  if (run.kind === "load") return run.intervals.at(-1)?.endMs ?? 0;
  const last = run.atMs.length - 1;
  return last < 0 ? 0 : run.atMs[last]! + (Number.isNaN(run.ms[last]!) ? 0 : run.ms[last]!);
}

/** A run's windows: cut from its probes, or a load run's intervals as they are. */
function runWindows(run: Run, lengthMs: number): Window[] {
  if (run.kind === "ping") return windowsOf(run.atMs, run.ms, lengthMs);
  return run.intervals.map((row) => ({
    startMs: row.startMs,
    endMs: row.endMs,
    count: row.ok + row.failed,
    failed: row.failed,
    p50Ms: row.p50Ms,
    p99Ms: row.p99Ms,
  }));
}

/** A window's two ends, for a band drawn in steps. */
interface Step {
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

function steps(windows: readonly Window[], endMs: number): Step[] {
  return windows.flatMap((window) => [
    { seconds: window.startMs / 1000, p50Ms: window.p50Ms, p99Ms: window.p99Ms },
    { seconds: Math.min(window.endMs, endMs) / 1000, p50Ms: window.p50Ms, p99Ms: window.p99Ms },
  ]);
}

/**
 * Latency over time: each probe a point (downsampled per pixel column), the p50-p99
 * band and the p50 line of each window, loss shaded, failures as marks by code in a
 * lane per run above the plot. Load runs draw their intervals' bands and failures.
 *
 * @param runs The runs, in page order.
 * @returns The SVG element.
 */
export function latencyChart(runs: readonly ChartRun[]): string {
  const frame = frameOf(10 + runs.length * LANE + 8);
  const x = scaleLinear()
    .domain([0, Math.max(1, ...runs.map(({ run }) => spanMs(run))) / 1000])
    .range([frame.left, frame.right])
    .nice();
  const lengthMs = windowLengthMs(x.domain()[1]! * 1000);
  const windows = runs.map(({ run }) => runWindows(run, lengthMs));
  const latencies = runs.flatMap(({ figures }, i) => [
    figures.minMs,
    figures.maxMs,
    ...windows[i]!.flatMap((window) => [window.p50Ms, window.p99Ms]),
  ]).filter((ms) => Number.isFinite(ms) && ms > 0);
  const low = latencies.length ? Math.min(...latencies) / 1.2 : 0.1;
  const high = latencies.length ? Math.max(...latencies) * 1.2 : 10;
  const y = scaleLog().domain([low, Math.max(high, low * 10)]).range([frame.bottom, frame.top])
    .nice().clamp(true);
  const columns = frame.right - frame.left;
  const columnOf = (atMs: number) => x(atMs / 1000) - frame.left;
  const body = [
    xAxis(x, frame, x.ticks(10), x.tickFormat(10), "seconds since the run's start"),
    yAxis(y, frame, y.ticks(), y.tickFormat(8, "~g"), "latency (ms, log scale)"),
  ];
  const band = area<Step>().x((d) => x(d.seconds)).y0((d) => y(d.p50Ms)).y1((d) => y(d.p99Ms))
    .defined((d) => !Number.isNaN(d.p50Ms));
  const median = line<Step>().x((d) => x(d.seconds)).y((d) => y(d.p50Ms))
    .defined((d) => !Number.isNaN(d.p50Ms));
  runs.forEach(({ run, label, codeIndex }, r) => {
    const laneY = 10 + r * LANE;
    const name = escapeHtml(label);
    body.push(
      `<text class="lane" x="${frame.left - 6}" y="${
        laneY + LANE / 2
      }" dy="0.32em" text-anchor="end">run ${r + 1}</text>`,
    );
    for (const window of windows[r]!) {
      if (window.failed === 0) continue;
      const left = x(window.startMs / 1000);
      const width = Math.max(1, x(Math.min(window.endMs, spanMs(run)) / 1000) - left);
      body.push(
        `<rect class="loss" x="${px(left)}" y="${frame.top}" width="${
          px(width)
        }" height="${PLOT_HEIGHT}" fill-opacity="${
          (0.04 + 0.46 * window.failed / window.count).toFixed(3)
        }"><title>${name}: ${window.failed} of ${window.count} failed</title></rect>`,
      );
    }
    const runSteps = steps(windows[r]!, spanMs(run));
    body.push(
      `<path class="band r${r}" d="${band(runSteps) ?? ""}"/>`,
      `<path class="p50 r${r}" d="${median(runSteps) ?? ""}"/>`,
    );
    const mark = (atMs: number, widthPx: number, code: string, count: number) =>
      `<rect class="fail k${codeIndex[run.codes.indexOf(code)] ?? 0}" x="${
        px(x(atMs / 1000))
      }" y="${laneY}" width="${px(widthPx)}" height="${LANE - 3}" data-code="${
        escapeHtml(code)
      }" data-count="${count}"><title>${name}: ${escapeHtml(code)} ×${count} at ${
        (atMs / 1000).toFixed(1)
      } s</title></rect>`;
    if (run.kind === "load") {
      for (const row of run.intervals) {
        const width = Math.max(2, x(row.endMs / 1000) - x(row.startMs / 1000) - 1);
        for (const [code, count] of Object.entries(row.errors)) {
          body.push(mark(row.startMs, width, code, count));
        }
      }
      return;
    }
    const drawn = downsample(run.atMs, run.ms, run.code, columnOf, columns);
    for (const failure of drawn.failures) {
      body.push(mark(failure.atMs, 2, run.codes[failure.code]!, failure.count));
    }
    for (const i of drawn.points) {
      body.push(
        `<circle class="pt r${r}" cx="${px(x(run.atMs[i]! / 1000))}" cy="${
          px(y(run.ms[i]!))
        }" r="1.8"/>`,
      );
    }
  });
  return svg(frame, "Latency over time", body);
}

/** A percentile's label from its odds: 1 is 0%, 10 is 90%, 1000 is 99.9%. */
function percentLabel(odds: number): string {
  const decimals = Math.max(0, Math.round(Math.log10(odds)) - 2);
  return `${((1 - 1 / odds) * 100).toFixed(decimals)}%`;
}

/**
 * Latency by percentile, HdrHistogram's plot: the percentile on a log axis of
 * `1 / (1 - q)`, so 90%, 99%, 99.9% lie equally apart and the tail, where coordinated
 * omission shows, gets room. A load run draws the percentiles its report gives.
 *
 * @param runs The runs, in page order.
 * @returns The SVG element.
 */
export function percentileChart(runs: readonly ChartRun[]): string {
  const frame = frameOf(16);
  const counts = runs.map(({ run, figures }) =>
    run.kind === "load" ? Math.min(figures.ok, 1_000) : figures.sorted.length
  );
  const decades = Math.max(2, Math.ceil(Math.log10(Math.max(1, ...counts))));
  const x = scaleLog().domain([1, 10 ** decades]).range([frame.left, frame.right]).clamp(true);
  const maxMs = Math.max(0, ...runs.map(({ figures }) => figures.maxMs).filter(Number.isFinite));
  const y = scaleLinear().domain([0, maxMs > 0 ? maxMs * 1.05 : 1]).range([
    frame.bottom,
    frame.top,
  ]).nice();
  const powers = Array.from({ length: decades + 1 }, (_, i) => 10 ** i);
  const body = [
    xAxis(x, frame, powers, percentLabel, "percentile (log scale of 1 / (1 - percentile))"),
    yAxis(y, frame, y.ticks(8), (ms) => formatLatency(ms), "latency (ms)"),
  ];
  const path = line<{ odds: number; ms: number }>().x((d) => x(d.odds)).y((d) => y(d.ms));
  runs.forEach(({ run, figures }, r) => {
    if (run.kind === "ping") {
      const curve = percentileCurve(figures.sorted, (odds) => x(odds) - frame.left);
      body.push(`<path class="pct r${r}" d="${path(curve) ?? ""}"/>`);
      return;
    }
    const points = [
      { odds: 1, ms: figures.minMs },
      { odds: 2, ms: figures.p50Ms },
      { odds: 10, ms: figures.p90Ms },
      { odds: 100, ms: figures.p99Ms },
      { odds: 1_000, ms: figures.p999Ms },
      // The maximum, at the right edge when the run had more probes than the axis shows.
      { odds: Math.min(Math.max(1, figures.ok), 10 ** decades), ms: figures.maxMs },
    ].filter((point) => Number.isFinite(point.ms) && point.odds <= figures.ok);
    body.push(`<path class="pct r${r}" d="${path(points) ?? ""}"/>`);
    for (const point of points) {
      body.push(
        `<circle class="pctpt r${r}" cx="${px(x(point.odds))}" cy="${px(y(point.ms))}" r="3"/>`,
      );
    }
  });
  return svg(frame, "Latency by percentile", body);
}

/**
 * Throughput of load runs over time: successes per second in each interval (a solid
 * step line), and failures per second (dashed).
 *
 * @param runs The runs, in page order (ping runs are not drawn).
 * @returns The SVG element, or `""` when no run is a load run.
 */
export function throughputChart(runs: readonly ChartRun[]): string {
  if (!runs.some(({ run }) => run.kind === "load" && run.intervals.length > 0)) return "";
  const frame = frameOf(16);
  const rate = (count: number, startMs: number, endMs: number) =>
    endMs > startMs ? (count * 1000) / (endMs - startMs) : 0;
  const loads = runs.map(({ run }) => run.kind === "load" ? run.intervals : []);
  const x = scaleLinear()
    .domain([0, Math.max(1, ...loads.map((rows) => rows.at(-1)?.endMs ?? 0)) / 1000])
    .range([frame.left, frame.right]).nice();
  const peak = Math.max(
    1,
    ...loads.flat().map((row) => rate(Math.max(row.ok, row.failed), row.startMs, row.endMs)),
  );
  const y = scaleLinear().domain([0, peak * 1.05]).range([frame.bottom, frame.top]).nice();
  const body = [
    xAxis(x, frame, x.ticks(10), x.tickFormat(10), "seconds since the run's start"),
    yAxis(y, frame, y.ticks(8), y.tickFormat(8, "~s"), "probes per second"),
  ];
  const stepped = line<[number, number]>().x((d) => x(d[0])).y((d) => y(d[1]));
  loads.forEach((rows, r) => {
    if (rows.length === 0) return;
    const series = (key: "ok" | "failed") =>
      rows.flatMap((row): [number, number][] => {
        const value = rate(row[key], row.startMs, row.endMs);
        return [[row.startMs / 1000, value], [row.endMs / 1000, value]];
      });
    body.push(
      `<path class="tput r${r}" d="${stepped(series("ok")) ?? ""}"/>`,
      `<path class="tputfail r${r}" d="${stepped(series("failed")) ?? ""}"/>`,
    );
  });
  return svg(frame, "Throughput over time", body);
}
