/**
 * SVG pieces of `echoprobe report`: escaping, a chart's frame and axes, the colours of
 * runs and failure codes. Scales and ticks come from d3-scale at generation time; the
 * page carries only the SVG they produce.
 *
 * @module
 */

// @ts-types="npm:@types/d3-scale@4.0.9"
import { scaleLinear, scaleLog } from "npm:d3-scale@4.0.2";

export { scaleLinear, scaleLog };

/** A scale as the axes use it: a value to a pixel, and the tick values. */
export interface AxisScale {
  (value: number): number;
  range(): number[];
}

/**
 * Escapes text for HTML and SVG, content and attributes alike: the input comes from
 * JSON lines anyone could have written.
 *
 * @param text Any text.
 * @returns The text with `&`, `<`, `>`, `"` and `'` as entities.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeHtml } from "./report_svg.ts";
 *
 * assert.equal(escapeHtml(`<b a="1">&'`), "&lt;b a=&quot;1&quot;&gt;&amp;&#39;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/**
 * A pixel coordinate as SVG text: a tenth of a pixel is as fine as a screen shows.
 *
 * @param value Pixels.
 * @returns The value rounded to one decimal.
 */
export function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** Where a chart's plot lies in its SVG. */
export interface Frame {
  /** The SVG's width. */
  width: number;
  /** The SVG's height. */
  height: number;
  /** The plot's left edge. */
  left: number;
  /** The plot's right edge. */
  right: number;
  /** The plot's top edge. */
  top: number;
  /** The plot's bottom edge. */
  bottom: number;
}

/**
 * The bottom axis: grid lines, tick labels, and its title.
 *
 * @param scale The x scale.
 * @param frame The chart's frame.
 * @param ticks The tick values.
 * @param format A tick's label (an empty label draws no line either).
 * @param title What the axis measures.
 * @returns SVG elements.
 */
export function xAxis(
  scale: AxisScale,
  frame: Frame,
  ticks: readonly number[],
  format: (value: number) => string,
  title: string,
): string {
  const parts = [`<g class="axis x">`];
  for (const tick of ticks) {
    const label = format(tick);
    if (label === "") continue;
    const x = px(scale(tick));
    parts.push(
      `<line class="grid" x1="${x}" x2="${x}" y1="${frame.top}" y2="${frame.bottom}"/>`,
      `<text class="tick" x="${x}" y="${frame.bottom + 16}" text-anchor="middle">${
        escapeHtml(label)
      }</text>`,
    );
  }
  parts.push(
    `<line class="domain" x1="${frame.left}" x2="${frame.right}" y1="${frame.bottom}" y2="${frame.bottom}"/>`,
    `<text class="axis-title" x="${px((frame.left + frame.right) / 2)}" y="${
      frame.bottom + 34
    }" text-anchor="middle">${escapeHtml(title)}</text>`,
    "</g>",
  );
  return parts.join("");
}

/**
 * The left axis: grid lines, tick labels, and its title (turned upright).
 *
 * @param scale The y scale.
 * @param frame The chart's frame.
 * @param ticks The tick values.
 * @param format A tick's label (an empty label draws no line either).
 * @param title What the axis measures.
 * @returns SVG elements.
 */
export function yAxis(
  scale: AxisScale,
  frame: Frame,
  ticks: readonly number[],
  format: (value: number) => string,
  title: string,
): string {
  const parts = [`<g class="axis y">`];
  for (const tick of ticks) {
    const label = format(tick);
    if (label === "") continue;
    const y = px(scale(tick));
    parts.push(
      `<line class="grid" x1="${frame.left}" x2="${frame.right}" y1="${y}" y2="${y}"/>`,
      `<text class="tick" x="${frame.left - 6}" y="${y}" dy="0.32em" text-anchor="end">${
        escapeHtml(label)
      }</text>`,
    );
  }
  const middle = px((frame.top + frame.bottom) / 2);
  parts.push(
    `<line class="domain" x1="${frame.left}" x2="${frame.left}" y1="${frame.top}" y2="${frame.bottom}"/>`,
    `<text class="axis-title" transform="translate(14 ${middle}) rotate(-90)" text-anchor="middle">${
      escapeHtml(title)
    }</text>`,
    "</g>",
  );
  return parts.join("");
}

/** Colours of runs, in order (Okabe and Ito's, told apart with colour blindness too). */
export const RUN_COLOURS = [
  "#0072b2",
  "#e69f00",
  "#009e73",
  "#cc79a7",
  "#56b4e9",
  "#d55e00",
  "#000000",
  "#999933",
] as const;

/** Colours of the failure codes echoprobe knows; others take {@linkcode OTHER_CODE_COLOURS}. */
const CODE_COLOURS: Readonly<Record<string, string>> = {
  timeout: "#d62728",
  refused: "#9467bd",
  reset: "#8c564b",
  short: "#ff7f0e",
  mismatch: "#e377c2",
  extra: "#bcbd22",
  resolve: "#7f7f7f",
  error: "#17becf",
};

/** Colours for codes the report does not know (a newer client's), in turn. */
const OTHER_CODE_COLOURS = ["#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"] as const;

/**
 * The colour of a failure code.
 *
 * @param code The code, as the JSON lines name it.
 * @param index The code's place among the page's codes, for a code not known here.
 * @returns A CSS colour.
 */
export function codeColour(code: string, index: number): string {
  return CODE_COLOURS[code] ?? OTHER_CODE_COLOURS[index % OTHER_CODE_COLOURS.length]!;
}

/**
 * The colour of a run.
 *
 * @param index The run's place on the page, from 0.
 * @returns A CSS colour.
 */
export function runColour(index: number): string {
  return RUN_COLOURS[index % RUN_COLOURS.length]!;
}

/**
 * A latency in milliseconds for a tick or a table: three significant digits.
 *
 * @param ms Milliseconds.
 * @returns `0.213`, `1.25`, `12.5`, `125`, `1250`, or `-` when unknown.
 */
export function formatLatency(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  if (ms === 0) return "0";
  if (ms >= 100) return String(Math.round(ms));
  return String(Number(ms.toPrecision(3)));
}

/**
 * A length of time for people.
 *
 * @param ms Milliseconds.
 * @returns `850 ms`, `59.9 s`, `12 min 5 s`, `2 h 3 min`.
 */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Number((ms / 1_000).toFixed(1))} s`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 7_200) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3_600)} h ${Math.floor((seconds % 3_600) / 60)} min`;
}
