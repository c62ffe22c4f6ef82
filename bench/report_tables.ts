/**
 * The tables of RESULTS.md: peers as ratios to the reference, the servers' CPU time
 * per exchange, memory, the client, and the errors seen. Pure.
 *
 * @module
 */

import { PHASE_NAMES, type PhaseName, WORKLOAD_NAMES } from "./config.ts";
import { formatFigure, PHASE_LABELS, ratios, values } from "./figures.ts";
import { SETTLE_MS } from "./memory.ts";
import type { RoundData } from "./round.ts";
import { PEER_KEYS, type PeerKey, PEERS } from "./servers.ts";
import { ONE_SHOT_RUNS } from "./client_figures.ts";
import { WORKLOADS } from "./workloads.ts";

/** A markdown table. */
export function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((cells) => `| ${cells.join(" | ")} |`),
  ];
}

const THROUGHPUT_PEERS = PEER_KEYS.filter((key) => key !== "reference");

/** Each peer's figures in `phase` as ratios to the reference's; the reference's own. */
export function peerTable(rounds: readonly RoundData[], phase: PhaseName): string[] {
  const reference = WORKLOAD_NAMES.map((workload) => {
    const figures = values(rounds, phase, workload, "reference");
    return formatFigure(figures, 0);
  });
  return table(["server", ...WORKLOAD_NAMES.map((workload) => WORKLOADS[workload].label)], [
    [`${PEERS.reference.label}: per second (MB/s for the stream)`, ...reference],
    ...THROUGHPUT_PEERS.map((key) => [
      PEERS[key].label,
      ...WORKLOAD_NAMES.map((workload) =>
        formatFigure(ratios(rounds, phase, workload, key, "reference"), 2)
      ),
    ]),
  ]);
}

/** Each peer's CPU time per exchange (per MB for the stream) in `phase`, µs. */
export function cpuTable(rounds: readonly RoundData[], phase: PhaseName): string[] {
  return table(["server", ...WORKLOAD_NAMES.map((workload) => WORKLOADS[workload].label)], [
    ...PEER_KEYS.map((key) => [
      PEERS[key].label,
      ...WORKLOAD_NAMES.map((workload) =>
        formatFigure(
          rounds.flatMap((round) => {
            const sample = round.throughput[phase][workload]?.[key];
            return sample && sample.work > 0 ? [sample.cpuSeconds * 1e6 / sample.work] : [];
          }),
          1,
        )
      ),
    ]),
  ]);
}

/** Idle connections, and RSS and descriptors before and after churn. */
export function memoryTable(rounds: readonly RoundData[], idleConnections: number): string[] {
  const mb = (kib: number) => kib / 1024;
  const churned = (
    key: PeerKey,
    pick: (sample: NonNullable<RoundData["churn"]["echoprobe"]>) => number,
  ) => rounds.flatMap((round) => round.churn[key] ? [pick(round.churn[key]!)] : []);
  return table(
    [
      "server",
      `KiB per idle connection (${idleConnections})`,
      "RSS before churn, MB",
      `RSS ${SETTLE_MS / 1000} s after, MB`,
      "difference, MB",
      "peak RSS in churn, MB",
      "descriptors before / after",
      "connections served",
    ],
    PEER_KEYS.filter((key) => key !== "echoprobeNoLog").map((key) => [
      PEERS[key].label,
      formatFigure(
        rounds.flatMap((round) => round.idle[key] ? [round.idle[key]!.kibPerConnection] : []),
        2,
      ),
      formatFigure(churned(key, (sample) => mb(sample.before.rssKiB)), 1),
      formatFigure(churned(key, (sample) => mb(sample.after.rssKiB)), 1),
      formatFigure(churned(key, (sample) => mb(sample.after.rssKiB - sample.before.rssKiB)), 1),
      formatFigure(churned(key, (sample) => mb(sample.after.peakKiB)), 1),
      `${formatFigure(churned(key, (sample) => sample.filesBefore), 0)} / ${
        formatFigure(churned(key, (sample) => sample.filesAfter), 0)
      }`,
      formatFigure(churned(key, (sample) => sample.served), 0),
    ]),
  );
}

/** The one-shot probe and load mode against their baselines. */
export function clientTable(rounds: readonly RoundData[]): string[] {
  const shots = rounds.flatMap((round) => round.oneShot ? [round.oneShot] : []);
  const loads = rounds.flatMap((round) => round.clientLoad ? [round.clientLoad] : []);
  return table(["figure", "echoprobe", "baseline", "ratio"], [
    [
      `one-shot probe vs empty \`deno run\`, ms (hyperfine -N median of ${ONE_SHOT_RUNS})`,
      formatFigure(shots.map((shot) => shot.clientMs), 1),
      formatFigure(shots.map((shot) => shot.emptyMs), 1),
      formatFigure(shots.map((shot) => shot.clientMs / shot.emptyMs), 2),
    ],
    [
      "load mode `--concurrency 32 --reuse` vs echoload pp 32, exchanges/s",
      formatFigure(loads.map((load) => load.client), 0),
      formatFigure(loads.map((load) => load.echoload), 0),
      formatFigure(loads.map((load) => load.client / load.echoload), 2),
    ],
  ]);
}

/** The runs that counted errors, one line each, or a line saying there were none. */
export function problems(rounds: readonly RoundData[]): string[] {
  const lines: string[] = [];
  rounds.forEach((round, index) => {
    for (const phase of PHASE_NAMES) {
      for (const [workload, samples] of Object.entries(round.throughput[phase])) {
        for (const [key, sample] of Object.entries(samples ?? {})) {
          if (sample.errors > 0 || sample.stuck > 0) {
            lines.push(
              `- round ${index + 1}, ${
                PHASE_LABELS[phase]
              }, ${workload}, ${key}: errors=${sample.errors} stuck=${sample.stuck}`,
            );
          }
        }
      }
    }
    for (const [key, sample] of Object.entries(round.churn)) {
      if (sample.errors > 0) {
        lines.push(`- round ${index + 1}, churn, ${key}: errors=${sample.errors}`);
      }
    }
    if (round.clientLoad && round.clientLoad.failed > 0) {
      lines.push(
        `- round ${index + 1}, client load mode: ${round.clientLoad.failed} probes failed`,
      );
    }
  });
  return lines.length > 0 ? lines : ["None: every exchange of every run came back whole."];
}
