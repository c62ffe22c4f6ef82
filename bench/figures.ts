/**
 * From rounds to figures: per-round values, their median and spread, and the
 * targets of issue 16 met or missed. Pure: tested without a server.
 *
 * @module
 */

import { PHASE_NAMES, type PhaseName, WORKLOAD_NAMES, type WorkloadName } from "./config.ts";
import type { RoundData } from "./round.ts";
import type { PeerKey } from "./servers.ts";
import { WORKLOADS } from "./workloads.ts";

/** The median of `values` (not empty). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A figure over the rounds. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** The figure moved more than 10% (of its median) between rounds. */
  moves: boolean;
}

/** The median and spread of per-round values, or `undefined` when there are none. */
export function summarize(values: readonly number[]): Summary | undefined {
  if (values.length === 0) return undefined;
  const middle = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median: middle, min, max, moves: max - min > 0.1 * Math.abs(middle) };
}

/**
 * A figure as RESULTS.md shows it: the median alone when it held within 10% over the
 * rounds, its range first when it moved more.
 *
 * @param values Per-round values.
 * @param digits Decimals.
 * @param unit After each number: ` MB`, `x`.
 */
export function formatFigure(values: readonly number[], digits: number, unit = ""): string {
  const summary = summarize(values);
  if (!summary) return "–";
  const fixed = (value: number) => `${value.toFixed(digits)}${unit}`;
  return summary.moves
    ? `${fixed(summary.min)}–${fixed(summary.max)} (median ${fixed(summary.median)})`
    : fixed(summary.median);
}

/** The phase as RESULTS.md names it. */
export const PHASE_LABELS: Record<PhaseName, string> = {
  fresh: "fresh server",
  churn: "after churn",
};

/** The per-round values of workload `workload`'s figure for `peer` in `phase`. */
export function values(
  rounds: readonly RoundData[],
  phase: PhaseName,
  workload: WorkloadName,
  peer: PeerKey,
): number[] {
  return rounds.flatMap((round) => {
    const sample = round.throughput[phase][workload]?.[peer];
    return sample ? [sample.value] : [];
  });
}

/**
 * Per-round ratios of `peer`'s figure to `base`'s in the same round and phase, for
 * the rounds that measured both.
 */
export function ratios(
  rounds: readonly RoundData[],
  phase: PhaseName,
  workload: WorkloadName,
  peer: PeerKey,
  base: PeerKey,
): number[] {
  return rounds.flatMap((round) => {
    const samples = round.throughput[phase][workload];
    const a = samples?.[peer];
    const b = samples?.[base];
    return a && b && b.value > 0 ? [a.value / b.value] : [];
  });
}

/** One row of the targets table. */
export interface TargetRow {
  figure: string;
  /** As the issue writes it: `>= 0.95`, `<= 16 MB`. */
  target: string;
  /** Per-round values. */
  values: number[];
  /** After a value: ` MB`, `x`, or nothing for a ratio. */
  unit: string;
  digits: number;
  /** Whether the median meets the target; `undefined` when not run. */
  met: boolean | undefined;
  /** The rounds' range holds values on both sides of the target. */
  crosses: boolean;
}

function row(
  figure: string,
  op: ">=" | ">" | "<=",
  bound: number,
  unit: string,
  digits: number,
  perRound: number[],
): TargetRow {
  const test = (value: number) =>
    op === ">=" ? value >= bound : op === ">" ? value > bound : value <= bound;
  const summary = summarize(perRound);
  // A median that rounds to the bound shows one more decimal: "0.95, missed" would not say why.
  const hidden = summary !== undefined && Number(summary.median.toFixed(digits)) === bound &&
    summary.median !== bound;
  return {
    figure,
    target: `${op} ${bound}${unit}`,
    values: perRound,
    unit,
    digits: hidden ? digits + 1 : digits,
    met: summary ? test(summary.median) : undefined,
    crosses: summary ? test(summary.min) !== test(summary.max) : false,
  };
}

/** Figures that the churn and idle targets need to name their size. */
export interface TargetSizes {
  churnConnections: number;
  idleConnections: number;
}

/** The targets of issue 16, each with its per-round values (empty where not run). */
export function targetRows(rounds: readonly RoundData[], sizes: TargetSizes): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const phase of PHASE_NAMES) {
    rows.push(row(
      `ping-pong 32 / bare Deno record loop, ${PHASE_LABELS[phase]}`,
      ">=",
      0.95,
      "",
      2,
      ratios(rounds, phase, "pp32", "echoprobe", "bare"),
    ));
  }
  for (const workload of ["conn1", "conn32"] as const) {
    for (const phase of PHASE_NAMES) {
      rows.push(row(
        `${WORKLOADS[workload].label} / bare Deno record loop, logs on, ${PHASE_LABELS[phase]}`,
        ">=",
        0.95,
        "",
        2,
        ratios(rounds, phase, workload, "echoprobe", "bare"),
      ));
    }
  }
  for (const workload of WORKLOAD_NAMES) {
    for (const phase of PHASE_NAMES) {
      rows.push(row(
        `${WORKLOADS[workload].label} / Node, ${PHASE_LABELS[phase]}`,
        ">",
        1.0,
        "",
        2,
        ratios(rounds, phase, workload, "echoprobe", "node"),
      ));
    }
  }
  for (const phase of PHASE_NAMES) {
    rows.push(row(
      `logs on / --log none, new connections 32 loops, ${PHASE_LABELS[phase]}`,
      ">=",
      0.95,
      "",
      2,
      ratios(rounds, phase, "conn32", "echoprobe", "echoprobeNoLog"),
    ));
  }
  rows.push(row(
    `RSS 10 s after ${sizes.churnConnections} connections closed, minus before them`,
    "<=",
    16,
    " MB",
    1,
    rounds.flatMap((round) => {
      const sample = round.churn.echoprobe;
      return sample ? [(sample.after.rssKiB - sample.before.rssKiB) / 1024] : [];
    }),
  ));
  rows.push(row(
    `KiB per idle connection at ${sizes.idleConnections} connections`,
    "<=",
    4,
    " KiB",
    2,
    rounds.flatMap((round) => round.idle.echoprobe ? [round.idle.echoprobe.kibPerConnection] : []),
  ));
  rows.push(row(
    "one-shot client / empty `deno run` (hyperfine medians)",
    "<=",
    1.3,
    "x",
    2,
    rounds.flatMap((round) =>
      round.oneShot ? [round.oneShot.clientMs / round.oneShot.emptyMs] : []
    ),
  ));
  rows.push(row(
    "client load mode `--concurrency 32 --reuse` / echoload pp 32",
    ">=",
    0.85,
    "",
    2,
    rounds.flatMap((round) =>
      round.clientLoad ? [round.clientLoad.client / round.clientLoad.echoload] : []
    ),
  ));
  return rows;
}
