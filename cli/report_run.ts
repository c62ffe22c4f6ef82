/**
 * Runs `echoprobe report`: reads JSON lines from standard input, writes the page to
 * standard output, says on stderr what it passed over.
 *
 * @module
 */

import denoJson from "../deno.json" with { type: "json" };
import { EXIT, UsageError } from "./exit.ts";
import { writeLog, writeText } from "./output.ts";
import { readRuns } from "./report_input.ts";
import { renderPage } from "./report_page.ts";

/** What `echoprobe report` was asked for. */
export interface ReportPlan {
  /** `--help`: print the help, read nothing. */
  help: boolean;
  /** `--title`: the page's title. */
  title: string | undefined;
}

/**
 * Reads the runs from `input` and writes their page to stdout.
 *
 * @param plan What `parseReportArgs()` made of the arguments.
 * @param input The JSON lines (standard input).
 * @returns The exit code: 0 when a page was written.
 * @throws {UsageError} When the input holds no run to draw (not JSON, no probes).
 */
export async function runReport(
  plan: ReportPlan,
  input: ReadableStream<Uint8Array>,
): Promise<number> {
  const read = await readRuns(input);
  if (read.runs.length === 0) {
    const { notJson, firstNotJson } = read.skipped;
    const what = read.lines === 0
      ? "Nothing on standard input"
      : notJson === read.lines
      ? `No JSON on standard input (line ${firstNotJson} is not JSON)`
      : `No probe results in ${read.lines} lines on standard input`;
    throw new UsageError(`${what}: pipe in "echoprobe client --json" output`);
  }
  const { notJson, firstNotJson, invalid } = read.skipped;
  if (notJson > 0) {
    writeLog(
      `echoprobe: Passed over ${notJson} lines that are not JSON (the first: line ${firstNotJson})`,
    );
  }
  if (invalid > 0) {
    writeLog(`echoprobe: Passed over ${invalid} objects without the fields the report needs`);
  }
  writeText(renderPage(read, { title: plan.title, version: denoJson.version }));
  return EXIT.ok;
}
