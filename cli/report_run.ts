/**
 * Runs `echoprobe report`: reads JSON lines from standard input, writes the page to
 * standard output, says on stderr what it passed over.
 *
 * @module
 */

import denoJson from "../deno.json" with { type: "json" };
import { EXIT, UsageError } from "./exit.ts";
import { writeLog, writeText } from "./output.ts";
import { type ReadResult, RunReader } from "./report_input.ts";
import { counted, renderPage, skippedPhrases } from "./report_page.ts";
import { readFailure } from "./text.ts";

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
 * @throws {UsageError} When the input cannot be read or holds no run to draw (not JSON,
 *   no probes); {@linkcode OutputError} when stdout cannot take the page.
 */
export async function runReport(
  plan: ReportPlan,
  input: ReadableStream<Uint8Array>,
): Promise<number> {
  const read = await readRuns(input);
  const { notJson, firstNotJson, notObject, firstNotObject } = read.skipped;
  if (read.runs.length === 0) {
    const what = read.lines === 0
      ? "Nothing on standard input"
      : notJson === read.lines
      ? `No JSON on standard input (line ${firstNotJson} is not JSON)`
      : notJson + notObject === read.lines
      ? `No JSON objects on standard input (line ${firstNotObject} is JSON, but not an object)`
      : `No probe results in ${counted(read.lines, "line", "lines")} on standard input`;
    throw new UsageError(`${what}: pipe in "echoprobe client --json" output`);
  }
  const phrases = skippedPhrases(read.skipped);
  for (const phrase of [phrases.notJson, phrases.notObject, phrases.invalid]) {
    if (phrase !== undefined) writeLog(`echoprobe: Passed over ${phrase}`);
  }
  writeText(renderPage(read, { title: plan.title, version: denoJson.version }));
  return EXIT.ok;
}

/**
 * Reads a stream of JSON lines into runs, in pieces: the input is never held whole.
 *
 * @param stream Bytes of UTF-8 text (standard input).
 * @returns The runs and what was passed over.
 * @throws {UsageError} When the stream cannot be read (`echoprobe report < DIR`).
 */
export async function readRuns(stream: ReadableStream<Uint8Array>): Promise<ReadResult> {
  const reader = new RunReader();
  let rest = "";
  const texts = stream.pipeThrough(new TextDecoderStream())[Symbol.asyncIterator]();
  for (;;) {
    let next;
    try {
      next = await texts.next();
    } catch (error) {
      // What the user put on standard input, as for --payload @- (cli/client_run.ts).
      throw new UsageError(`Cannot read standard input: ${readFailure(error)}`);
    }
    if (next.done) break;
    const lines = (rest + next.value).split("\n");
    rest = lines.pop()!;
    for (const line of lines) reader.push(line);
  }
  reader.push(rest);
  return reader.finish();
}
