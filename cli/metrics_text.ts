/**
 * The Prometheus text exposition format (version 0.0.4): metric families to text,
 * and the families every echoprobe `/metrics` carries (build info, process memory).
 * Pure: the HTTP handlers send what these return.
 *
 * @module
 */

import denoJson from "../deno.json" with { type: "json" };

/** The `Content-Type` of the text exposition format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** One sample of a family: its labels and its value. */
export interface Sample {
  /** Label names to values; none for a family of one unlabelled sample. */
  labels?: Readonly<Record<string, string>>;
  /** The value: `NaN` (not known) and infinities are written as Prometheus reads them. */
  value: number;
}

/** A metric family: its name, type, help line and samples. */
export interface MetricFamily {
  /** The full name, `_total` included for counters. */
  name: string;
  /** A counter only goes up (until a restart); a gauge is a value now. */
  type: "counter" | "gauge";
  /** One line of what it means. */
  help: string;
  /** Its samples; a family without any is left out. */
  samples: readonly Sample[];
}

/**
 * Writes metric families in the text exposition format: `# HELP`, `# TYPE`, then
 * one line per sample.
 *
 * @param families The families, in the order to write them.
 * @returns The text, ending in a newline (empty when no family has a sample).
 */
export function renderMetrics(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (family.samples.length === 0) continue;
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      lines.push(`${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/**
 * A sample value as the format writes it: `NaN`, `+Inf`, `-Inf`, or the number.
 *
 * @param value The value.
 * @returns Its text.
 */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/**
 * Milliseconds as seconds, the base unit, to the microsecond (what the clock gives).
 *
 * @param ms Milliseconds, or `NaN`.
 * @returns Seconds, or `NaN`.
 */
export function seconds(ms: number): number {
  return Math.round(ms * 1000) / 1e6;
}

function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  if (labels === undefined) return "";
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function escapeHelp(help: string): string {
  return help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/**
 * `echoprobe_build_info{version,deno}`: 1, to tell running versions apart.
 *
 * @returns The family.
 */
export function buildInfoFamily(): MetricFamily {
  return {
    name: "echoprobe_build_info",
    type: "gauge",
    help: "Always 1; the labels name the echoprobe and Deno versions",
    samples: [{ labels: { version: denoJson.version, deno: Deno.version.deno }, value: 1 }],
  };
}

/**
 * The process's memory and start time, by the names Prometheus's client libraries use.
 *
 * @param rssBytes Resident memory, as `Deno.memoryUsage().rss` gives it.
 * @param startTimeMs When the process started, in milliseconds since the epoch.
 * @returns `process_resident_memory_bytes` and `process_start_time_seconds`.
 */
export function processFamilies(rssBytes: number, startTimeMs: number): MetricFamily[] {
  return [
    {
      name: "process_resident_memory_bytes",
      type: "gauge",
      help: "Resident memory size in bytes",
      samples: [{ value: rssBytes }],
    },
    {
      name: "process_start_time_seconds",
      type: "gauge",
      help: "Start time of the process since the Unix epoch in seconds",
      samples: [{ value: Math.round(startTimeMs) / 1000 }],
    },
  ];
}
