/**
 * The TLS section of RESULTS.md: each TLS server's figures, echoprobe's ratios to the
 * C reference behind each terminator, round by round. Pure: tested without a server.
 *
 * @module
 */

import { formatFigure } from "./figures.ts";
import { table } from "./report_tables.ts";
import type { RoundData } from "./round.ts";
import {
  TLS_PEER_KEYS,
  TLS_PEER_LABELS,
  TLS_WORKLOAD_NAMES,
  TLS_WORKLOADS,
  type TlsPeerKey,
  type TlsWorkloadName,
} from "./tls.ts";

/** Per-round values of `peer`'s figure in `workload`. */
function tlsValues(rounds: readonly RoundData[], workload: TlsWorkloadName, peer: TlsPeerKey) {
  return rounds.flatMap((round) => {
    const sample = round.tls?.[workload]?.[peer];
    return sample ? [sample.value] : [];
  });
}

/** Per-round ratios of `peer`'s figure to `base`'s, for the rounds that measured both. */
export function tlsRatios(
  rounds: readonly RoundData[],
  workload: TlsWorkloadName,
  peer: TlsPeerKey,
  base: TlsPeerKey,
): number[] {
  return rounds.flatMap((round) => {
    const a = round.tls?.[workload]?.[peer];
    const b = round.tls?.[workload]?.[base];
    return a && b && b.value > 0 ? [a.value / b.value] : [];
  });
}

const BASES = ["socat", "stunnel"] as const;

/** The TLS section (without its heading): servers, load, figures, ratios by round. */
export function tlsSection(rounds: readonly RoundData[], seconds: number): string[] {
  const measured = rounds.filter((round) => round.tls);
  if (measured.length === 0) return ["Not run."];
  const perRound = BASES.flatMap((base) =>
    TLS_WORKLOAD_NAMES.map((workload) => [
      `${TLS_WORKLOADS[workload].label}: echoprobe / ${base}`,
      ...measured.map((round) => {
        const [ratio] = tlsRatios([round], workload, "echoprobe", base);
        return ratio === undefined ? "–" : ratio.toFixed(2);
      }),
    ])
  );
  return [
    "Issue 13's workloads. Servers on core 0 (a terminator and the reference it forwards to " +
    "share it), load on core 1; a new server for each run, in an order that rotates by round.",
    "",
    ...TLS_PEER_KEYS.map((key) => `- ${TLS_PEER_LABELS[key]}`),
    ...TLS_WORKLOAD_NAMES.map((workload) =>
      `- ${TLS_WORKLOADS[workload].label}: ${
        TLS_WORKLOADS[workload].load.replace("SECONDS", String(seconds))
      }`
    ),
    "",
    ...table(
      [
        "workload",
        ...TLS_PEER_KEYS.map((key) => `${TLS_PEER_LABELS[key]}, per second`),
        ...BASES.map((base) => `echoprobe / ${base}`),
      ],
      TLS_WORKLOAD_NAMES.map((workload) => [
        TLS_WORKLOADS[workload].label,
        ...TLS_PEER_KEYS.map((key) => formatFigure(tlsValues(rounds, workload, key), 0)),
        ...BASES.map((base) => formatFigure(tlsRatios(rounds, workload, "echoprobe", base), 2)),
      ]),
    ),
    "",
    "Per-round ratios:",
    "",
    ...table(["figure", ...measured.map((_, index) => `round ${index + 1}`)], perRound),
  ];
}

/** The TLS runs that counted errors, one line each. */
export function tlsProblems(rounds: readonly RoundData[]): string[] {
  const lines: string[] = [];
  rounds.forEach((round, index) => {
    for (const workload of TLS_WORKLOAD_NAMES) {
      for (const key of TLS_PEER_KEYS) {
        const sample = round.tls?.[workload]?.[key];
        if (sample && sample.errors > 0) {
          lines.push(`- round ${index + 1}, ${workload}, ${key}: errors=${sample.errors}`);
        }
      }
    }
  });
  return lines;
}
