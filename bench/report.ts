/**
 * RESULTS.md: the run's conditions, the targets met or missed, every peer's figures
 * as medians of per-round ratios, and every round's values. Pure: tested without a
 * server.
 *
 * @module
 */

import { ONE_SHOT_RUNS, oneShotCommand } from "./client_figures.ts";
import { PHASE_NAMES, ROOT, type Settings, WORKLOAD_NAMES } from "./config.ts";
import { formatFigure, PHASE_LABELS, targetRows } from "./figures.ts";
import { SETTLE_MS } from "./memory.ts";
import { clientTable, cpuTable, memoryTable, peerTable, problems, table } from "./report_tables.ts";
import type { RoundData } from "./round.ts";
import { BACKLOG, PEER_KEYS, PEERS } from "./servers.ts";
import type { Machine } from "./system.ts";
import { tlsProblems, tlsSection } from "./tls_report.ts";
import { WORKLOADS } from "./workloads.ts";

/** What RESULTS.md says about the run besides its rounds. */
export interface RunInfo {
  started: Date;
  elapsedSeconds: number;
  settings: Settings;
  machine: Machine;
  /** The open-files limit of the servers and of echoload. */
  fileLimit: number;
  /** Idle connections held (`BENCH_IDLE`, or fewer where the limit says so). */
  idleConnections: number;
}

/** A command as a reader would type it: `deno` for this Deno, paths from the repository. */
export function shown(command: readonly string[]): string {
  return command.map((part) => part.replace(Deno.execPath(), "deno").replace(ROOT, "")).join(
    " ",
  );
}

/** A count as RESULTS.md writes it: 100,000. */
function count(value: number): string {
  return value.toLocaleString("en-US");
}

/** How the run was made: machine, versions, peers, load, phases. */
function conditions(info: RunInfo, rounds: number): string[] {
  const { settings, machine } = info;
  const echoload = (args: string[]) => `\`echoload ${args.join(" ").replace(/ 0 /, " PORT ")}\``;
  return [
    `Run by \`deno task bench\` on ${info.started.toISOString()}: ${rounds} round${
      rounds === 1 ? "" : "s"
    } of ${settings.seconds} s per workload run, ${
      Math.round(info.elapsedSeconds / 60)
    } min in all.${
      settings.complete ? "" : " **A partial run** (`BENCH_ONLY`, or smaller than the final size)."
    }`,
    "",
    `- Machine: ${machine.cpu} (\`/proc/cpuinfo\` model name), ${machine.cores} cores, ${machine.kernel}.`,
    `- ${machine.deno}; ${machine.node}; ${machine.gcc}; ${machine.hyperfine}.`,
    "- Server on core 0, load on core 1 (`taskset`); 250-byte records; open-files limit of the servers " +
    `and of echoload ${count(info.fileLimit)} (\`prlimit\`; the hard limit here).`,
    "- The order of the peers rotates by one every round (listed under Rounds). A ratio is a figure " +
    "over another's in the same round and phase; tables show the median of the per-round ratios, " +
    "and a figure that moved more than 10% between rounds shows its range first.",
    `- Every listen backlog is ${BACKLOG} or more: the reference's is 4096 in its source, echoprobe ` +
    `gets \`--backlog ${BACKLOG}\` (its default is 10), the bare loop and Node set ${BACKLOG}.`,
    "",
    "Peers (each listens on 127.0.0.1, port 0; the harness reads the port back from /proc):",
    "",
    ...PEER_KEYS.map((key) => `- ${PEERS[key].label}: \`${shown(PEERS[key].command)}\``),
    `- For the idle figure echoprobe also gets \`--max-connections ${info.idleConnections}\` ` +
    "(it holds 1,024 by default).",
    "- The bare loop reads exactly one 250-byte record per read (bench/bare_server.ts): the " +
    "ceiling for ping-pong and new connections, not for a stream.",
    "",
    "Load (../shared/bench/echoload.c, `gcc -O2`):",
    "",
    ...WORKLOAD_NAMES.map((workload) =>
      `- ${WORKLOADS[workload].label}: ${echoload(WORKLOADS[workload].args(0, settings.seconds))}`
    ),
    `- Fresh server: a new server for each run. After churn: a new server serves ${
      count(settings.churnConnections)
    } connections (${echoload(["conn", "0", "32", "N", "--srcips", "64"])} until the count), ` +
    `its RSS is read ${SETTLE_MS / 1000} s after they all closed, and the churned servers ` +
    "(side by side, idle in turn) then run the workloads in the order above, new connections first.",
    `- Idle: ${echoload(["idle", "0", String(info.idleConnections), "300"])} on a new server, ` +
    "RSS read once the server holds every connection and its RSS stopped moving.",
    `- One-shot: \`hyperfine -N\` (${ONE_SHOT_RUNS} runs after 3 warm-ups) of \`${
      shown(oneShotCommand(0)).replace(":0", ":PORT")
    }\` against the reference, and of \`deno run\` of an empty file.`,
    "- Load mode: `" + shown(oneShotCommand(0)).replace(":0", ":PORT") +
    ` --concurrency 32 --reuse --duration ${settings.seconds}s --json\` and ` +
    `${echoload(["pp", "0", "32", String(settings.seconds)])}, against the reference, ` +
    "their order alternated by round.",
  ];
}

/** The text of RESULTS.md for `rounds`. */
export function resultsMarkdown(info: RunInfo, rounds: readonly RoundData[]): string {
  const { settings } = info;
  const targets = targetRows(rounds, {
    churnConnections: settings.churnConnections,
    idleConnections: info.idleConnections,
  });
  const verdict = (row: (typeof targets)[number]) =>
    row.met === undefined
      ? "not run"
      : `${row.met ? "met" : "missed"}${row.crosses ? " (the range crosses the target)" : ""}`;
  const lines = [
    "# Benchmark results",
    "",
    ...conditions(info, rounds.length),
    "",
    "## Targets (issue 16)",
    "",
    ...table(
      ["figure", "target", "measured", "verdict"],
      targets.map((row) => [
        row.figure,
        row.target,
        formatFigure(row.values, row.digits, row.unit),
        verdict(row),
      ]),
    ),
    "",
  ];
  for (const phase of PHASE_NAMES) {
    lines.push(
      `## Peers, ${PHASE_LABELS[phase]}: ratio to the C reference`,
      "",
      ...peerTable(rounds, phase),
      "",
    );
  }
  for (const phase of PHASE_NAMES) {
    lines.push(
      `## Server CPU per exchange, ${PHASE_LABELS[phase]}: µs (µs per MB for the stream)`,
      "",
      ...cpuTable(rounds, phase),
      "",
    );
  }
  lines.push("## Memory", "", ...memoryTable(rounds, info.idleConnections), "");
  lines.push("## Client", "", ...clientTable(rounds), "");
  lines.push("## TLS (issue 13)", "", ...tlsSection(rounds, settings.seconds), "");
  const errors = problems(rounds);
  const tlsErrors = tlsProblems(rounds);
  lines.push(
    "## Rounds",
    "",
    ...rounds.map((round, index) =>
      `- Round ${index + 1} (${(round.seconds / 60).toFixed(1)} min): ${
        round.order.map((key) => PEERS[key].label).join(", ")
      }`
    ),
    "",
    "Per-round values of the targets:",
    "",
    ...table(
      ["figure", ...rounds.map((_, index) => `round ${index + 1}`)],
      targets.filter((row) => row.values.length > 0).map((row) => [
        row.figure,
        ...row.values.map((value) => value.toFixed(row.digits)),
      ]),
    ),
    "",
    "## Errors",
    "",
    ...(tlsErrors.length === 0
      ? errors
      : [...errors.filter((line) => line.startsWith("-")), ...tlsErrors]),
    "",
  );
  return lines.join("\n");
}
