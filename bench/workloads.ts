/**
 * The throughput workloads (echoload, ../shared/bench/README.md), run on core 1
 * against a server on core 0, with the server's CPU time over each run.
 *
 * @module
 */

import { BUILD, type WorkloadName } from "./config.ts";
import type { RunningServer } from "./servers.ts";
import { log } from "./system.ts";

/** One throughput workload: how echoload runs it and the figure it reads. */
export interface Workload {
  name: WorkloadName;
  /** Its name in RESULTS.md. */
  label: string;
  /** echoload's arguments after the mode's port. */
  args: (port: number, seconds: number) => string[];
  /** The key of echoload's output that is the figure (higher is better). */
  metric: "ops_s" | "MBps";
  /** The figure's unit in RESULTS.md. */
  unit: string;
}

/** The throughput workloads, by their `BENCH_ONLY` names. */
export const WORKLOADS: Record<WorkloadName, Workload> = {
  conn1: {
    name: "conn1",
    label: "new connections, 1 loop",
    args: (port, seconds) => ["conn", String(port), "1", String(seconds), "--srcips", "64"],
    metric: "ops_s",
    unit: "conn/s",
  },
  conn32: {
    name: "conn32",
    label: "new connections, 32 loops",
    args: (port, seconds) => ["conn", String(port), "32", String(seconds), "--srcips", "64"],
    metric: "ops_s",
    unit: "conn/s",
  },
  pp1: {
    name: "pp1",
    label: "ping-pong, 1 connection",
    args: (port, seconds) => ["pp", String(port), "1", String(seconds)],
    metric: "ops_s",
    unit: "round trips/s",
  },
  pp32: {
    name: "pp32",
    label: "ping-pong, 32 connections",
    args: (port, seconds) => ["pp", String(port), "32", String(seconds)],
    metric: "ops_s",
    unit: "round trips/s",
  },
  stream: {
    name: "stream",
    label: "stream, 8 x 16 KiB",
    args: (port, seconds) => ["stream", String(port), "8", String(seconds), "--chunk", "16384"],
    metric: "MBps",
    unit: "MB/s",
  },
};

/** echoload's one line of `key=value` pairs, as a table. */
export function parseEcholoadLine(text: string): Record<string, string> {
  const pairs = text.trim().split(/\s+/).filter((pair) => pair.includes("="));
  return Object.fromEntries(pairs.map((pair) => {
    const at = pair.indexOf("=");
    return [pair.slice(0, at), pair.slice(at + 1)];
  }));
}

/** The argv that runs echoload on core 1 with the open-files limit `fileLimit`. */
export function echoloadCommand(args: string[], fileLimit: number): string[] {
  return [
    "prlimit",
    `--nofile=${fileLimit}:${fileLimit}`,
    "taskset",
    "-c",
    "1",
    `${BUILD}echoload`,
    ...args,
  ];
}

/**
 * Runs echoload to its end. It exits 1 when it counted errors: those come back in
 * the report (`errors`, `stuck`) for the caller to record.
 *
 * @throws {Error} When it printed no report (a bad argument, a crash).
 */
export async function echoload(args: string[], fileLimit: number): Promise<Record<string, string>> {
  const [program, ...rest] = echoloadCommand(args, fileLimit);
  const result = await new Deno.Command(program!, { args: rest, stdout: "piped", stderr: "piped" })
    .output();
  const report = parseEcholoadLine(new TextDecoder().decode(result.stdout));
  if (report.mode === undefined) {
    throw new Error(
      `"echoload ${args.join(" ")}" gave no report (exit ${result.code}): ${
        new TextDecoder().decode(result.stderr).trim()
      }`,
    );
  }
  return report;
}

/** One workload run against one server. */
export interface Sample {
  /** The figure: echoload's `ops_s` or `MBps`. */
  value: number;
  /** The server's CPU seconds during the run. */
  cpuSeconds: number;
  /** What the CPU time is divided by: exchanges, or MB echoed for a stream. */
  work: number;
  /** echoload's `errors` (a wrong, short or failed exchange). */
  errors: number;
  /** echoload's `stuck` (connections waiting for an echo for over 1 s at the end). */
  stuck: number;
}

/** Runs `workload` for `seconds` against `server`. */
export async function measure(
  server: RunningServer,
  workload: Workload,
  seconds: number,
  fileLimit: number,
): Promise<Sample> {
  const before = await server.sample();
  const report = await echoload(workload.args(server.port, seconds), fileLimit);
  const after = await server.sample();
  const sample: Sample = {
    value: Number(report[workload.metric]),
    cpuSeconds: after.cpuSeconds - before.cpuSeconds,
    work: workload.metric === "MBps" ? Number(report.echoed_bytes) / 1e6 : Number(report.ops),
    errors: Number(report.errors ?? 0),
    stuck: Number(report.stuck ?? 0),
  };
  if (sample.errors > 0 || sample.stuck > 0) {
    log(`  ! ${server.peer.label}: errors=${sample.errors} stuck=${sample.stuck}`);
  }
  return sample;
}
