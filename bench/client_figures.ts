/**
 * The client's figures, both against the C reference on core 0: a one-shot probe's
 * wall time against an empty `deno run` (hyperfine), and load mode
 * (`--concurrency 32 --reuse`) against echoload pp 32.
 *
 * @module
 */

import { BUILD, ROOT } from "./config.ts";
import type { RunningServer } from "./servers.ts";
import { log, output } from "./system.ts";
import { echoload } from "./workloads.ts";

/** hyperfine's median wall times, milliseconds. */
export interface OneShotSample {
  clientMs: number;
  emptyMs: number;
}

/** Runs of each command hyperfine times, after 3 warm-up runs. */
export const ONE_SHOT_RUNS = 20;

/** The one-shot probe as `deno task client` runs it. */
export function oneShotCommand(port: number): string[] {
  return [Deno.execPath(), "run", "--allow-net", `${ROOT}main.ts`, "client", `127.0.0.1:${port}`];
}

/** The medians of hyperfine's `--export-json` report, in its order, milliseconds. */
export function hyperfineMedians(report: string): number[] {
  const { results } = JSON.parse(report) as { results: { median: number }[] };
  return results.map((result) => result.median * 1000);
}

/**
 * Times a one-shot `echoprobe client` probe and `deno run` of an empty file with
 * `hyperfine -N` (no shell in between) on core 1. A failed probe fails hyperfine.
 */
export async function oneShot(server: RunningServer): Promise<OneShotSample> {
  const empty = `${BUILD}empty.ts`;
  const report = `${BUILD}hyperfine.json`;
  await Deno.writeTextFile(empty, "");
  await output([
    "taskset",
    "-c",
    "1",
    "hyperfine",
    "-N",
    "--style",
    "none",
    "--warmup",
    "3",
    "--runs",
    String(ONE_SHOT_RUNS),
    "--export-json",
    report,
    oneShotCommand(server.port).join(" "),
    [Deno.execPath(), "run", empty].join(" "),
  ]);
  const [clientMs, emptyMs] = hyperfineMedians(await Deno.readTextFile(report));
  if (clientMs === undefined || emptyMs === undefined) {
    throw new Error(`hyperfine reported fewer than two commands in ${report}`);
  }
  return { clientMs, emptyMs };
}

/** Load mode against echoload, exchanges per second. */
export interface ClientLoadSample {
  client: number;
  echoload: number;
  /** Probes the client counted as failed. */
  failed: number;
  /** Which ran first (alternated round by round). */
  first: "client" | "echoload";
}

/** What bench reads of a client's load report: exchanges per second, failed probes. */
export interface LoadReport {
  perSecond: number;
  failed: number;
}

/** The load report among the client's `--json` lines. */
export function loadReport(stdout: string): LoadReport | undefined {
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const object = JSON.parse(line);
    if (object.type === "load" && typeof object.perSecond === "number") {
      return { perSecond: object.perSecond, failed: Number(object.failed ?? 0) };
    }
  }
  return undefined;
}

/**
 * Runs `command` (an `echoprobe client` load run with `--json`) on core 1 and reads its
 * load report; a run that failed probes still reports them (and exits 1).
 *
 * @throws {Error} When it printed no load report, with its exit code and stderr.
 */
export async function clientLoadRun(command: string[]): Promise<LoadReport> {
  const result = await new Deno.Command("taskset", {
    args: ["-c", "1", ...command],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const report = loadReport(new TextDecoder().decode(result.stdout));
  if (!report) {
    throw new Error(
      `The client's load run printed no load report (exit ${result.code}): ${
        new TextDecoder().decode(result.stderr).trim()
      }`,
    );
  }
  return report;
}

/**
 * `echoprobe client --concurrency 32 --reuse --duration S` against echoload pp 32,
 * each for `seconds` on core 1.
 */
export async function clientLoad(
  server: RunningServer,
  seconds: number,
  clientFirst: boolean,
  fileLimit: number,
): Promise<ClientLoadSample> {
  const runClient = async () => {
    const report = await clientLoadRun([
      ...oneShotCommand(server.port),
      "--concurrency",
      "32",
      "--reuse",
      "--duration",
      `${seconds}s`,
      "--json",
    ]);
    if (report.failed > 0) log(`  ! client load mode: ${report.failed} probes failed`);
    return report;
  };
  const runEchoload = async () =>
    Number((await echoload(["pp", String(server.port), "32", String(seconds)], fileLimit)).ops_s);
  let client: { perSecond: number; failed: number };
  let reference: number;
  if (clientFirst) {
    client = await runClient();
    reference = await runEchoload();
  } else {
    reference = await runEchoload();
    client = await runClient();
  }
  return {
    client: client.perSecond,
    echoload: reference,
    failed: client.failed,
    first: clientFirst ? "client" : "echoload",
  };
}
