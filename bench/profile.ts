/**
 * One peer under a profiler for one workload, as issue 16 asks where a target is
 * missed: `cpu` (`--cpu-prof`, and a flat profile of it), `strace` (`strace -c -f`,
 * attached for the workload only), `gc` (V8's `--trace-gc`, and its totals).
 *
 * ```sh
 * deno run --allow-run --allow-read --allow-write=.bench-build --allow-env \
 *   bench/profile.ts cpu|strace|gc PEER WORKLOAD [--churn]
 * ```
 *
 * PEER is a key of bench/servers.ts (`echoprobe`, `echoprobeNoLog`, `bare`, `node`,
 * `reference` for strace), WORKLOAD a `BENCH_ONLY` workload name; `--churn` has the
 * server serve `BENCH_CHURN` connections first. The run lasts `BENCH_SECONDS` (5).
 * The server runs on core 0 and the load on core 1, as in the benchmark; the files
 * land in .bench-build/bench/profile/.
 *
 * @module
 */

import { benchSettings, BUILD, ROOT, WORKLOAD_NAMES, type WorkloadName } from "./config.ts";
import { churn } from "./memory.ts";
import { buildPrograms } from "./run.ts";
import { type Peer, PEER_KEYS, type PeerKey, PEERS, RunningServer } from "./servers.ts";
import { log, openFilesLimit, signalChild } from "./system.ts";
import { measure, WORKLOADS } from "./workloads.ts";

/** The profilers. */
export const TOOLS = ["cpu", "strace", "gc"] as const;
/** A profiler's name. */
export type Tool = typeof TOOLS[number];

/**
 * `peer`'s command with the runtime flags of `tool` (`--cpu-prof`, `--trace-gc`);
 * strace needs none (it attaches to the running server).
 *
 * @throws {Error} For a runtime profiler and the C reference.
 */
export function profiledCommand(peer: Peer, tool: Tool, dir: string): string[] {
  const command = [...peer.command];
  if (tool === "strace") return command;
  const [program] = command;
  if (program === Deno.execPath()) {
    if (tool === "cpu") {
      command.splice(2, 0, "--cpu-prof", `--cpu-prof-dir=${dir}`);
      return command;
    }
    const v8 = command.findIndex((part) => part.startsWith("--v8-flags="));
    if (v8 >= 0) command[v8] = `${command[v8]},--trace-gc`;
    else command.splice(2, 0, "--v8-flags=--trace-gc");
    return command;
  }
  if (program === "node") {
    command.splice(
      1,
      0,
      ...(tool === "cpu" ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : ["--trace-gc"]),
    );
    return command;
  }
  throw new Error(`"${tool}" profiles a JavaScript runtime: use strace for "${peer.label}"`);
}

/** A V8 CPU profile, the parts a flat profile needs. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (name, file and line), most first, milliseconds. */
export function flatProfile(profile: CpuProfile): { name: string; ms: number }[] {
  const names = new Map<number, string>();
  for (const { id, callFrame } of profile.nodes) {
    const where = callFrame.url
      ? ` ${callFrame.url.replace(`file://${ROOT}`, "")}:${callFrame.lineNumber + 1}`
      : "";
    names.set(id, `${callFrame.functionName || "(anonymous)"}${where}`);
  }
  const self = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const name = names.get(id) ?? `node ${id}`;
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  });
  return [...self].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
}

/** Pauses by kind of collection (Scavenge, Mark-Compact, ...) in `--trace-gc` output. */
export function gcTotals(trace: string): Map<string, { count: number; ms: number }> {
  const totals = new Map<string, { count: number; ms: number }>();
  // "[pid:0x...]  54 ms: Scavenge 4.1 (5.2) -> 3.8 (6.0) MB, pooled: 0.0 MB, 1.16 / 0.00 ms (..."
  // (Node 20's V8 writes no "pooled" part): the pause is the first "N / N ms".
  // Incremental marking steps before a pause ("+ 3.6 ms in 38 steps") are not counted.
  const line =
    / ms: ([A-Z][A-Za-z-]*(?: [A-Z][A-Za-z-]*)*(?: \(reduce\))?) [^\n]*?([\d.]+) \/ [\d.]+ ms/g;
  for (const match of trace.matchAll(line)) {
    const total = totals.get(match[1]!) ?? { count: 0, ms: 0 };
    total.count++;
    total.ms += Number(match[2]);
    totals.set(match[1]!, total);
  }
  return totals;
}

async function straced<T>(pid: number, file: string, run: () => Promise<T>): Promise<T> {
  const strace = new Deno.Command("strace", {
    args: ["-c", "-f", "-p", String(pid), "-o", file],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = strace.stderr.getReader();
  try {
    const decoder = new TextDecoder();
    let text = "";
    for (let chunk = 0; chunk < 100 && !text.includes("attached"); chunk++) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`strace did not attach to ${pid}: ${text}`);
      text += decoder.decode(value, { stream: true });
    }
    return await run();
  } finally {
    signalChild(strace, "SIGINT"); // detaches and writes the summary
    await reader.cancel();
    await strace.status;
  }
}

if (import.meta.main) {
  const [tool, key, workload, ...rest] = Deno.args;
  const usage = `usage: bench/profile.ts ${TOOLS.join("|")} ${PEER_KEYS.join("|")} ${
    WORKLOAD_NAMES.join("|")
  } [--churn]`;
  if (
    !TOOLS.includes(tool as Tool) || !PEER_KEYS.includes(key as PeerKey) ||
    !WORKLOAD_NAMES.includes(workload as WorkloadName) ||
    rest.some((arg) => arg !== "--churn") || (key === "reference" && tool !== "strace")
  ) {
    // deno-lint-ignore no-console -- this script's usage line
    console.error(`${usage}\n(the C reference: strace only)`);
    Deno.exit(2);
  }
  const settings = benchSettings((name) => Deno.env.get(name));
  const peer = PEERS[key as PeerKey];
  const dir = `${BUILD}profile/${tool}-${key}-${workload}-${Date.now()}/`;
  await buildPrograms();
  await Deno.mkdir(dir, { recursive: true });
  const fileLimit = await openFilesLimit();
  const command = profiledCommand(peer, tool as Tool, dir);
  const server = await RunningServer.start({ ...peer, command }, fileLimit, `${dir}stdout.txt`);
  try {
    if (rest.includes("--churn")) {
      const sample = await churn(server, settings.churnConnections, fileLimit);
      log(`churn: ${sample.served} connections`);
    }
    const run = () =>
      measure(server, WORKLOADS[workload as WorkloadName], settings.seconds, fileLimit);
    const sample = tool === "strace"
      ? await straced(server.pid, `${dir}strace.txt`, run)
      : await run();
    log(
      `${workload} against ${peer.label}: ${sample.value} ${
        WORKLOADS[workload as WorkloadName].unit
      }`,
    );
  } finally {
    await server.stop();
  }
  if (tool === "cpu") {
    const file = [...Deno.readDirSync(dir)].find((entry) => entry.name.endsWith(".cpuprofile"));
    if (!file) throw new Error(`No .cpuprofile in ${dir}: did the server exit cleanly?`);
    const flat = flatProfile(JSON.parse(await Deno.readTextFile(`${dir}${file.name}`)));
    const total = flat.reduce((sum, entry) => sum + entry.ms, 0);
    for (const { name, ms } of flat.slice(0, 25)) {
      log(`${ms.toFixed(1).padStart(9)} ms ${(100 * ms / total).toFixed(1).padStart(5)}%  ${name}`);
    }
  } else if (tool === "gc") {
    for (const [kind, { count, ms }] of gcTotals(await Deno.readTextFile(`${dir}stdout.txt`))) {
      log(`${kind}: ${count} pauses, ${ms.toFixed(1)} ms in all`);
    }
  } else {
    log(await Deno.readTextFile(`${dir}strace.txt`));
  }
  log(`profile: ${dir.replace(ROOT, "")}`);
}
