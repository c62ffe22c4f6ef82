/**
 * The page of `echoprobe report`: one self-contained HTML document (inline CSS and
 * SVG, no script, nothing fetched; its Content-Security-Policy forbids fetching) with
 * a header per run, the charts, and the summary and error tables.
 *
 * @module
 */

import { type ChartRun, latencyChart, percentileChart, throughputChart } from "./report_charts.ts";
import { runFigures } from "./report_figures.ts";
import { isUdp, runAddresses, runMode, runSettings, udpCells } from "./report_header.ts";
import type { ReadResult, Run, Skipped } from "./report_input.ts";
import { codeColour, escapeHtml, formatLatency, formatSpan, runColour } from "./report_svg.ts";

/** What the page says beyond the runs. */
export interface PageOptions {
  /** The page's title; by default `echoprobe report: ` and the targets. */
  title?: string | undefined;
  /** echoprobe's version, for the footer. */
  version: string;
}

/** A wall-clock time as the page shows it: UTC, to the second. */
function formatWhen(epochMs: number): string {
  if (Number.isNaN(epochMs)) return "unknown";
  return `${new Date(epochMs).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** How the page names a run: its target and start time. */
function runLabel(run: Run): string {
  const time = Number.isNaN(run.startedAt)
    ? ""
    : `, ${new Date(run.startedAt).toISOString().slice(11, 19)}`;
  return `${run.target}${time}`;
}

function swatch(colour: string): string {
  return `<span class="swatch" style="background:${colour}"></span>`;
}

function table(head: string[], rows: string[][], className: string): string {
  const cells = (row: string[], tag: string) =>
    `<tr>${row.map((cell) => `<${tag}>${cell}</${tag}>`).join("")}</tr>`;
  return `<table class="${className}"><thead>${cells(head, "th")}</thead><tbody>${
    rows.map((row) => cells(row, "td")).join("")
  }</tbody></table>`;
}

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;margin:24px auto;max-width:1040px;padding:0 12px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px}
p.note{color:#555;margin:4px 0}
table{border-collapse:collapse;margin:6px 0;font-variant-numeric:tabular-nums}
th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}
table.figures td:not(:first-child),table.figures th:not(:first-child){text-align:right}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}
svg.chart{display:block;max-width:100%;height:auto;font:11px system-ui,sans-serif}
.grid{stroke:#e6e6e6}.domain{stroke:#888}.tick,.lane{fill:#555}.axis-title{fill:#333;font-size:12px}
.loss{fill:#d62728}.band{stroke:none;fill-opacity:.16}.p50{fill:none;stroke-width:1.5}
.pct,.tput{fill:none;stroke-width:2}.tputfail{fill:none;stroke-width:1.5;stroke-dasharray:5 3}
.legend span{margin-right:16px;white-space:nowrap}
`;

function runStyles(count: number, codes: readonly string[]): string {
  const rules: string[] = [];
  for (let r = 0; r < count; r++) {
    const colour = runColour(r);
    rules.push(
      `.pt.r${r},.pctpt.r${r},.band.r${r}{fill:${colour}}`,
      `.p50.r${r},.pct.r${r},.tput.r${r},.tputfail.r${r}{stroke:${colour}}`,
    );
  }
  codes.forEach((code, k) => rules.push(`.fail.k${k}{fill:${codeColour(code, k)}}`));
  return rules.join("\n");
}

function skippedNote(read: ReadResult): string {
  const notes = Object.values(skippedPhrases(read.skipped));
  return notes.length ? `Passed over: ${notes.join("; ")}.` : "";
}

/**
 * What the reader passed over, in words: a phrase per kind met, in the singular or the
 * plural, and JSON that is not an object told apart from text that is not JSON.
 *
 * @param skipped What the reader counted.
 * @returns The phrases, by kind: `1 line that is not JSON (line 2)`,
 *   `2 lines of JSON that are not objects (the first: line 7)`, ...
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { skippedPhrases } from "./report_page.ts";
 *
 * const phrases = skippedPhrases({
 *   notJson: 1,
 *   firstNotJson: 2,
 *   notObject: 2,
 *   firstNotObject: 7,
 *   unknown: { weird: 1 },
 *   invalid: 1,
 * });
 * assert.deepEqual(phrases, {
 *   notJson: "1 line that is not JSON (line 2)",
 *   notObject: "2 lines of JSON that are not objects (the first: line 7)",
 *   unknown: "1 object of a type the report does not draw (weird ×1)",
 *   invalid: "1 object without the fields the report needs",
 * });
 * ```
 */
export function skippedPhrases(
  skipped: Skipped,
): Partial<Record<"notJson" | "notObject" | "unknown" | "invalid", string>> {
  const { notJson, firstNotJson, notObject, firstNotObject, unknown, invalid } = skipped;
  const at = (count: number, line: number | undefined) =>
    count === 1 ? `(line ${line})` : `(the first: line ${line})`;
  const phrases: ReturnType<typeof skippedPhrases> = {};
  if (notJson > 0) {
    phrases.notJson = `${counted(notJson, "line that is", "lines that are")} not JSON ${
      at(notJson, firstNotJson)
    }`;
  }
  if (notObject > 0) {
    phrases.notObject = `${
      counted(notObject, "line of JSON that is not an object", "lines of JSON that are not objects")
    } ${at(notObject, firstNotObject)}`;
  }
  const types = Object.entries(unknown);
  if (types.length > 0) {
    const total = types.reduce((sum, [, n]) => sum + n, 0);
    phrases.unknown = `${counted(total, "object", "objects")} of ${
      types.length === 1 ? "a type" : "types"
    } the report does not draw (${types.map(([type, n]) => `${type} ×${n}`).join(", ")})`;
  }
  if (invalid > 0) {
    phrases.invalid = `${
      counted(invalid, "object", "objects")
    } without the fields the report needs`;
  }
  return phrases;
}

/**
 * A count and its noun, in the singular for 1.
 *
 * @param count How many.
 * @param one The words after 1.
 * @param many The words after any other count.
 * @returns `1 line`, `2 lines`.
 */
export function counted(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * Renders the page for the runs read.
 *
 * @param read The runs and what was passed over.
 * @param options The title and the version.
 * @returns The HTML document.
 */
export function renderPage(read: ReadResult, options: PageOptions): string {
  const codes: string[] = [];
  const charts: ChartRun[] = read.runs.map((run) => {
    const figures = runFigures(run);
    for (const code of [...run.codes, ...Object.keys(figures.errors)]) {
      if (!codes.includes(code)) codes.push(code);
    }
    return {
      run,
      figures,
      label: runLabel(run),
      codeIndex: run.codes.map((code) => codes.indexOf(code)),
    };
  });
  const targets = [...new Set(read.runs.map((run) => run.target))];
  const title = options.title ?? `echoprobe report: ${targets.join(", ")}`;
  const header = table(
    ["run", "target", "address", "mode", "started", "duration", "settings"],
    charts.map((chart, r) => [
      `${swatch(runColour(r))}${r + 1}`,
      escapeHtml(chart.run.target),
      escapeHtml(runAddresses(chart.run)),
      escapeHtml(runMode(chart.run)),
      formatWhen(chart.run.startedAt),
      formatSpan(chart.figures.durationMs),
      escapeHtml(runSettings(chart.run, chart.figures)),
    ]),
    "runs",
  );
  const summary = table(
    ["run", "probes", "ok", "failed", "loss", "min", "p50", "p90", "p99", "p99.9", "max"],
    charts.map(({ figures }, r) => {
      const failed = figures.probes - figures.ok;
      const loss = figures.probes ? (100 * failed) / figures.probes : 0;
      return [
        `${swatch(runColour(r))}${r + 1}`,
        String(figures.probes),
        String(figures.ok),
        String(failed),
        `${Number(loss.toFixed(2))}%`,
        ...[figures.minMs, figures.p50Ms, figures.p90Ms, figures.p99Ms, figures.p999Ms]
          .map(formatLatency),
        formatLatency(figures.maxMs),
      ];
    }),
    "figures",
  );
  const errorRows = codes.map((code, k) => [
    `${swatch(codeColour(code, k))}${escapeHtml(code)}`,
    ...charts.map(({ figures }) => String(figures.errors[code] ?? 0)),
    escapeHtml(charts.map(({ run }) => run.messages.get(code)).find(Boolean) ?? ""),
  ]);
  const errors = codes.length
    ? table(["code", ...charts.map((_, r) => `run ${r + 1}`), "first message"], errorRows, "errors")
    : `<p class="note">No failures.</p>`;
  const legend = codes.length
    ? `<p class="legend">Failure marks above the plot, a lane per run: ${
      codes.map((code, k) => `<span>${swatch(codeColour(code, k))}${escapeHtml(code)}</span>`)
        .join("")
    }</p>`
    : "";
  const udpRuns = charts.flatMap((chart, r) => isUdp(chart.run) ? [{ chart, r }] : []);
  const udp = udpRuns.length
    ? table(
      ["run", "lost", "duplicates", "reordered", "late", "stray", "jitter (RFC 3550)"],
      udpRuns.map(({ chart, r }) => [
        `${swatch(runColour(r))}${r + 1}`,
        ...udpCells(chart.run, chart.figures),
      ]),
      "figures",
    )
    : "";
  const throughput = throughputChart(charts);
  const skipped = skippedNote(read);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}${runStyles(charts.length, codes)}</style></head>
<body>
<header><h1>${escapeHtml(title)}</h1>
<p class="note">${read.runs.length} run${read.runs.length === 1 ? "" : "s"} from ${
    read.lines.toLocaleString("en-US")
  } lines. Times are from each run's start; points are probes (at most the fastest and the slowest per pixel), bands span p50 to p99 of each window, shading marks loss.</p>
${header}</header>
<section><h2>Latency over time</h2>${legend}${latencyChart(charts)}</section>
<section><h2>Latency by percentile</h2>${percentileChart(charts)}</section>
${throughput ? `<section><h2>Throughput</h2>${throughput}</section>` : ""}
<section><h2>Summary</h2>${summary}<p class="note">Latency in milliseconds.</p></section>
${
    udp
      ? `<section><h2>UDP</h2>${udp}<p class="note">Lost: no reply within the timeout; duplicates: replies beyond a probe's first; reordered: replies after a later probe's; late: replies after their timeout (the probe stays lost); stray: datagrams that answered no probe. Jitter in milliseconds.</p></section>`
      : ""
  }
<section><h2>Errors</h2>${errors}</section>
<footer><p class="note">${escapeHtml(skipped)} Made by echoprobe ${
    escapeHtml(options.version)
  } report.</p></footer>
</body></html>
`;
}
