/**
 * The benchmark's settings: where things are, and what the environment asks for.
 *
 * - `BENCH_ROUNDS` (5): alternated rounds; every figure is a median over them.
 * - `BENCH_SECONDS` (5): seconds of each echoload run.
 * - `BENCH_ONLY`: a comma-separated subset of the names below; by default, all.
 *   Workloads `conn1 conn32 pp1 pp32 stream`; phases `fresh churn` (a workload named
 *   runs in both unless one is named; `churn` alone measures the RSS after churn and no
 *   workload); and `idle oneshot clientload tls`.
 * - `BENCH_CHURN` (100000): connections a server serves before the after-churn figures.
 * - `BENCH_IDLE` (19000): idle connections for the KiB-per-connection figure.
 * - `BENCH_RESUME=1`: keep the rounds the last run finished with the same settings.
 *
 * @module
 */

/** The repository's root. */
export const ROOT = new URL("../", import.meta.url).pathname;
/** The reference server and the load client (sources, read-only). */
export const SHARED = `${ROOT}../shared/bench/`;
/** Built programs and scratch files (ignored by git). */
export const BUILD = `${ROOT}.bench-build/bench/`;

/** The throughput workloads, as `BENCH_ONLY` names them. */
export const WORKLOAD_NAMES = ["conn1", "conn32", "pp1", "pp32", "stream"] as const;
/** A throughput workload's name. */
export type WorkloadName = typeof WORKLOAD_NAMES[number];
/** A throughput workload runs on a fresh server, and on one that served `BENCH_CHURN`. */
export const PHASE_NAMES = ["fresh", "churn"] as const;
/** A phase's name. */
export type PhaseName = typeof PHASE_NAMES[number];
/** The figures that are not throughput workloads. */
export const EXTRA_NAMES = ["idle", "oneshot", "clientload", "tls"] as const;
/** Such a figure's name. */
export type ExtraName = typeof EXTRA_NAMES[number];

/** What one run of the benchmark measures, and how long. */
export interface Settings {
  rounds: number;
  seconds: number;
  churnConnections: number;
  idleConnections: number;
  workloads: WorkloadName[];
  phases: PhaseName[];
  extras: ExtraName[];
  resume: boolean;
  /** The whole benchmark at full size: only such a run writes bench/RESULTS.md. */
  complete: boolean;
}

/** The defaults of the final measurement. */
export const FULL = { rounds: 5, seconds: 5, churnConnections: 100_000, idleConnections: 19_000 };

function whole(env: (name: string) => string | undefined, name: string, fallback: number) {
  const text = env(name);
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a whole number of at least 1, not "${text}"`);
  }
  return value;
}

function isOneOf<T extends string>(names: readonly T[], name: string): name is T {
  return (names as readonly string[]).includes(name);
}

/**
 * Reads the settings from the environment.
 *
 * @param env Looks up one variable (`Deno.env.get`, or a table in a test).
 * @throws {Error} On a value it cannot read, naming the variable.
 */
export function benchSettings(env: (name: string) => string | undefined): Settings {
  const rounds = whole(env, "BENCH_ROUNDS", FULL.rounds);
  const seconds = whole(env, "BENCH_SECONDS", FULL.seconds);
  const churnConnections = whole(env, "BENCH_CHURN", FULL.churnConnections);
  const idleConnections = whole(env, "BENCH_IDLE", FULL.idleConnections);
  const only = env("BENCH_ONLY");
  let workloads: WorkloadName[] = [...WORKLOAD_NAMES];
  let phases: PhaseName[] = [...PHASE_NAMES];
  let extras: ExtraName[] = [...EXTRA_NAMES];
  if (only !== undefined && only !== "") {
    const names = only.split(",").map((name) => name.trim()).filter((name) => name !== "");
    const known = [...WORKLOAD_NAMES, ...PHASE_NAMES, ...EXTRA_NAMES];
    const unknown = names.find((name) => !isOneOf(known, name));
    if (unknown !== undefined) {
      throw new Error(`BENCH_ONLY names "${unknown}", which is none of ${known.join(", ")}`);
    }
    // Always in the canonical order: after churn, new connections come first.
    workloads = WORKLOAD_NAMES.filter((name) => names.includes(name));
    const named = names.filter((name) => isOneOf(PHASE_NAMES, name));
    phases = named.length > 0
      ? PHASE_NAMES.filter((name) => named.includes(name))
      : workloads.length > 0
      ? [...PHASE_NAMES]
      : [];
    extras = EXTRA_NAMES.filter((name) => names.includes(name));
  }
  const complete = (only === undefined || only === "") && rounds >= FULL.rounds &&
    seconds >= FULL.seconds && churnConnections >= FULL.churnConnections &&
    idleConnections >= FULL.idleConnections;
  return {
    rounds,
    seconds,
    churnConnections,
    idleConnections,
    workloads,
    phases,
    extras,
    resume: env("BENCH_RESUME") === "1",
    complete,
  };
}
