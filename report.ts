/**
 * `echoprobe report`: its flags, and the entry that reads the client's JSON lines on
 * standard input and writes one HTML page on standard output (`cli/report_run.ts`).
 *
 * @module
 */

import type { ReportPlan } from "./cli/report_run.ts";
import { EXIT, UsageError } from "./cli/exit.ts";
import { type FlagTable, helpText, parseFlags } from "./cli/flags.ts";
import { writeText } from "./cli/output.ts";

export type { ReportPlan };

/** The report's flags: the parser's options, `--help` and the completions. */
export const REPORT_FLAGS = {
  title: {
    type: "string",
    value: "TEXT",
    help: "The page's title (default: echoprobe report: and the targets)",
  },
  help: { type: "boolean", short: "h", help: "Show this help" },
} as const satisfies FlagTable;

/** `echoprobe report --help`. */
export const REPORT_HELP = helpText(
  "echoprobe report [flags] < LINES > PAGE.html",
  [
    'Reads the JSON lines of "echoprobe client --json" (ping and load mode, TCP, TLS,',
    "connect-only and UDP, several runs one after another) on standard input and",
    "writes one self-contained HTML page on standard output: latency over time,",
    "latency by percentile, throughput of load runs, summary and errors, each run's",
    "phases, TLS certificate and addresses, and UDP's lost, duplicated, reordered and",
    "late replies. The page fetches nothing and opens offline. Exit 2 when the input",
    "cannot be read or holds no probe results.",
  ].join("\n"),
  REPORT_FLAGS,
  [
    "echoprobe client 10.0.0.7 -c 600 -i 100ms --json | echoprobe report > run.html",
    "cat before.jsonl after.jsonl | echoprobe report --title 'before and after' > compare.html",
    "echoprobe client 10.0.0.7 -n 32 --reuse -d 30s --json | echoprobe report > load.html",
    "echoprobe client 10.0.0.7 --udp -c 600 -i 100ms --json | echoprobe report > udp.html",
  ],
  "0 page written, 2 usage error (input unreadable or without probe results),\n" +
    "  3 could not write stdout",
);

/**
 * Turns the report's arguments into a plan: a pure function.
 *
 * @param args The arguments after `report`.
 * @returns The plan.
 * @throws {UsageError} For an unknown flag, or a file name (the input is standard input).
 */
export function parseReportArgs(args: string[]): ReportPlan {
  const { values, positionals } = parseFlags("report", REPORT_FLAGS, args, true);
  // --help wins over the arguments, as it does for the other subcommands.
  if (values.help) return { help: true, title: values.title };
  if (positionals.length > 0) {
    throw new UsageError(
      `Unexpected argument "${
        positionals[0]
      }": the report reads standard input (echoprobe report < FILE)`,
    );
  }
  return { help: false, title: values.title };
}

/**
 * Runs `echoprobe report`.
 *
 * @param args The arguments after `report`.
 * @returns The exit code.
 * @throws {UsageError} For bad flags, a terminal on standard input, or input with no run.
 */
export async function reportCommand(args: string[]): Promise<number> {
  const plan = parseReportArgs(args);
  if (plan.help) {
    writeText(REPORT_HELP);
    return EXIT.ok;
  }
  if (Deno.stdin.isTerminal()) {
    throw new UsageError(
      'Standard input is a terminal: pipe in "echoprobe client --json" output (see "echoprobe report --help")',
    );
  }
  // Loaded after parsing: `--help` and usage errors need none of it.
  const { runReport } = await import("./cli/report_run.ts");
  return await runReport(plan, Deno.stdin.readable);
}
