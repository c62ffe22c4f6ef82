/**
 * `deno task bench`: echoprobe against the reference epoll server of ../shared/bench
 * (and a Node `net` echo server as a peer), server on core 0, load on core 1, the
 * servers alternated within each round, and the median of the per-round ratios
 * written to bench/RESULTS.md.
 *
 * `BENCH_ROUNDS` (3) and `BENCH_SECONDS` (5) change the size of a run; `BENCH_RESUME=1`
 * reuses the sections the last run finished.
 *
 * @module
 */

import { V8_FLAGS } from "../scripts/compile_all.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const SHARED = `${ROOT}../shared/bench/`;
const BUILD = `${ROOT}.bench-build/`;
const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 3);
const SECONDS = Number(Deno.env.get("BENCH_SECONDS") ?? 5);
const decoder = new TextDecoder();

type Report = Record<string, string>;

function sh(command: string[]): string {
  const output = new Deno.Command(command[0]!, {
    args: command.slice(1),
    stdout: "piped",
    stderr: "piped",
  })
    .outputSync();
  if (!output.success) throw new Error(`${command.join(" ")}: ${decoder.decode(output.stderr)}`);
  return decoder.decode(output.stdout).trim();
}

function log(text: string) {
  // deno-lint-ignore no-console -- the benchmark's progress
  console.log(text);
}

/** A server under test, pinned to core 0, ready once it printed its first line. */
interface ServerSpec {
  name: string;
  command: (port: number) => string[];
}

const SERVERS: Record<string, ServerSpec> = {
  reference: {
    name: "epoll_echo (reference)",
    command: (port) => [`${BUILD}epoll_echo`, String(port)],
  },
  echoprobe: {
    name: "echoprobe server (defaults)",
    command: (
      port,
    ) => [
      Deno.execPath(),
      "run",
      "--allow-net",
      ...V8_FLAGS,
      `${ROOT}main.ts`,
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
    ],
  },
  echoprobeStream: {
    name: "echoprobe server --stream",
    command: (
      port,
    ) => [
      Deno.execPath(),
      "run",
      "--allow-net",
      ...V8_FLAGS,
      `${ROOT}main.ts`,
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--stream",
    ],
  },
  // The idle workload opens 5,000 connections back to back: with the default backlog of
  // 10 most of them wait on SYN retries for many seconds (seen here: about 70 opened in 6 s),
  // so this one workload runs with a deep backlog, as the reference and Node have (4096, 511).
  echoprobeIdle: {
    name: "echoprobe server --backlog 4096",
    command: (
      port,
    ) => [
      Deno.execPath(),
      "run",
      "--allow-net",
      ...V8_FLAGS,
      `${ROOT}main.ts`,
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--backlog",
      "4096",
    ],
  },
  node: {
    name: `Node ${sh(["node", "--version"])} net, socket.pipe(socket)`,
    command: (port) => [
      "node",
      "-e",
      `require("net").createServer((s) => { s.setNoDelay(true); s.on("error", () => {}); s.pipe(s); })` +
      `.listen(${port}, "127.0.0.1", () => console.log("listening ${port}"))`,
    ],
  },
};

let nextPort = 4300;

class RunningServer {
  readonly child: Deno.ChildProcess;
  readonly port: number;
  private constructor(child: Deno.ChildProcess, port: number) {
    this.child = child;
    this.port = port;
  }
  static async start(spec: ServerSpec): Promise<RunningServer> {
    const port = nextPort++;
    const [program, ...args] = ["taskset", "-c", "0", ...spec.command(port)];
    const child = new Deno.Command(program!, { args, stdout: "piped", stderr: "null" }).spawn();
    const reader = child.stdout.getReader();
    const { value } = await reader.read(); // the ready line
    if (!value) throw new Error(`${spec.name} did not start`);
    reader.releaseLock();
    child.stdout.pipeTo(new WritableStream()).catch(() => {});
    return new RunningServer(child, port);
  }
  /** VmRSS and VmHWM of the server process, in KiB (taskset execs the server in place). */
  memory(): { rssKiB: number; peakKiB: number } {
    // Deno asks for --allow-all to read another process's /proc entries: grep reads them.
    const status = sh(["grep", "-E", "^Vm(RSS|HWM):", `/proc/${this.child.pid}/status`]);
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)?.[1]);
    return { rssKiB: kib("VmRSS"), peakKiB: kib("VmHWM") };
  }
  async stop(): Promise<void> {
    this.child.kill("SIGINT");
    await this.child.status;
  }
}

async function echoload(args: string[]): Promise<Report> {
  const output = await new Deno.Command("taskset", {
    args: ["-c", "1", `${BUILD}echoload`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = decoder.decode(output.stdout).trim();
  return Object.fromEntries(text.split(/\s+/).map((pair) => pair.split("=") as [string, string]));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One load workload: the figure it reads from echoload and whether higher is better. */
interface Workload {
  name: string;
  args: (port: number) => string[];
  metric: string;
  servers: string[];
  target: string;
}

const S = String(SECONDS);
const WORKLOADS: Workload[] = [
  {
    name: "pp, 32 conns",
    args: (p) => ["pp", String(p), "32", S],
    metric: "ops_s",
    servers: ["echoprobe", "node"],
    target: ">= 0.78",
  },
  {
    name: "conn, 1 loop",
    args: (p) => ["conn", String(p), "1", S, "--srcips", "64"],
    metric: "ops_s",
    servers: ["echoprobe", "node"],
    target: ">= 0.75",
  },
  {
    name: "conn, 32 loops",
    args: (p) => ["conn", String(p), "32", S, "--srcips", "64"],
    metric: "ops_s",
    servers: ["echoprobe", "node"],
    target: ">= 0.85",
  },
  {
    name: "stream, 8 x 16 KiB, record mode",
    args: (p) => ["stream", String(p), "8", S, "--chunk", "16384"],
    metric: "MBps",
    servers: ["echoprobe", "node"],
    target: ">= 0.80",
  },
  {
    name: "stream, 8 x 16 KiB, --stream",
    args: (p) => ["stream", String(p), "8", S, "--chunk", "16384"],
    metric: "MBps",
    servers: ["echoprobeStream"],
    target: ">= 0.95",
  },
  {
    name: "p50 latency, pp 1 conn",
    args: (p) => ["pp", String(p), "1", S],
    metric: "p50_us",
    servers: ["echoprobe", "node"],
    target: "<= 1.10",
  },
];

interface Row {
  workload: string;
  target: string;
  reference: string;
  results: Map<string, { ratio: number; ratios: number[]; value: number }>;
}

const peaks = new Map<string, number>();
function notePeak(key: string, server: RunningServer) {
  peaks.set(key, Math.max(peaks.get(key) ?? 0, server.memory().peakKiB));
}

async function measureWorkload(workload: Workload): Promise<Row> {
  const values = new Map<string, number[]>([
    ["reference", []],
    ...workload.servers.map((s) => [s, []] as [string, number[]]),
  ]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const key of ["reference", ...workload.servers]) {
      const server = await RunningServer.start(SERVERS[key]!);
      try {
        const report = await echoload(workload.args(server.port));
        if (report.errors !== "0") log(`  ! ${key}: errors=${report.errors}`);
        values.get(key)!.push(Number(report[workload.metric]));
        notePeak(key, server);
      } finally {
        await server.stop();
      }
    }
  }
  const reference = values.get("reference")!;
  const results = new Map<string, { ratio: number; ratios: number[]; value: number }>();
  for (const key of workload.servers) {
    // Lower is better for latency: there too the ratio is echoprobe's over the reference's.
    const ratios = values.get(key)!.map((value, round) => value / reference[round]!);
    results.set(key, { ratio: median(ratios), ratios, value: median(values.get(key)!) });
  }
  const row: Row = {
    workload: workload.name,
    target: workload.target,
    reference: `${median(reference)} ${workload.metric}`,
    results,
  };
  log(
    `${workload.name}: reference ${median(reference)} ${workload.metric}; ` +
      [...results].map(([key, r]) =>
        `${key} ${r.value} (${r.ratio.toFixed(2)}; rounds ${
          r.ratios.map((x) => x.toFixed(2)).join(" ")
        })`
      ).join("; "),
  );
  return row;
}

/** KiB per idle connection: server VmRSS before and after 5,000 idle connections. */
async function idleMemory(key: string): Promise<number> {
  const perConnection: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const server = await RunningServer.start(SERVERS[key]!);
    try {
      const before = server.memory().rssKiB;
      const load = new Deno.Command("taskset", {
        args: ["-c", "1", `${BUILD}echoload`, "idle", String(server.port), "5000", "4"],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reader = load.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!/ready opened=(\d+)/.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      const opened = Number(/ready opened=(\d+)/.exec(text)?.[1]);
      if (!(opened > 0)) {
        throw new Error(`echoload idle against ${key} opened no connection: ${text}`);
      }
      // echoload has opened them all; give the server's accept loop the same moment to catch up.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const after = server.memory().rssKiB;
      perConnection.push((after - before) / opened);
      notePeak(key, server);
      await reader.cancel();
      await load.status;
    } finally {
      await server.stop();
    }
  }
  return median(perConnection);
}

/** `echoprobe client --concurrency 32 --reuse` vs `echoload pp 32`, both against the reference. */
async function clientLoad(): Promise<
  { ratio: number; ratios: number[]; client: number; echoloadOps: number }
> {
  const ratios: number[] = [];
  const clients: number[] = [];
  const refs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const server = await RunningServer.start(SERVERS.reference!);
    try {
      const ref = Number((await echoload(["pp", String(server.port), "32", S])).ops_s);
      const output = await new Deno.Command("taskset", {
        args: [
          "-c",
          "1",
          Deno.execPath(),
          "run",
          "--allow-net",
          `${ROOT}main.ts`,
          "client",
          `127.0.0.1:${server.port}`,
          "--concurrency",
          "32",
          "--reuse",
          "--duration",
          `${SECONDS}s`,
          "--json",
        ],
        stdout: "piped",
      }).output();
      const client = JSON.parse(decoder.decode(output.stdout)).perSecond as number;
      ratios.push(client / ref);
      clients.push(client);
      refs.push(ref);
    } finally {
      await server.stop();
    }
  }
  return { ratio: median(ratios), ratios, client: median(clients), echoloadOps: median(refs) };
}

/** Wall time of one `echoprobe client` probe vs `deno run` of an empty script, median of 15 each. */
async function oneShot(): Promise<{ ratio: number; clientMs: number; emptyMs: number }> {
  const server = await RunningServer.start(SERVERS.reference!);
  const empty = `${BUILD}empty.ts`;
  Deno.writeTextFileSync(empty, "");
  const time = (args: string[]) => {
    const started = performance.now();
    const output = new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "null" })
      .outputSync();
    if (!output.success) throw new Error(`${args.join(" ")} failed`);
    return performance.now() - started;
  };
  const clientMs: number[] = [];
  const emptyMs: number[] = [];
  try {
    for (let i = 0; i < 15; i++) {
      clientMs.push(
        time(["run", "--allow-net", `${ROOT}main.ts`, "client", `127.0.0.1:${server.port}`]),
      );
      emptyMs.push(time(["run", empty]));
    }
  } finally {
    await server.stop();
  }
  return {
    ratio: median(clientMs) / median(emptyMs),
    clientMs: median(clientMs),
    emptyMs: median(emptyMs),
  };
}

/**
 * Runs one section of the benchmark, or, with `BENCH_RESUME=1`, takes its result from
 * the last run (.bench-build/sections.json) when that run got through it. Peak RSS
 * figures are kept with each section.
 */
async function section<T>(name: string, run: () => Promise<T>): Promise<T> {
  const file = `${BUILD}sections.json`;
  let saved: Record<string, { result: T; peaks: [string, number][] }> = {};
  try {
    saved = JSON.parse(
      Deno.readTextFileSync(file),
      (_, value) => value?.$map ? new Map(value.$map) : value,
    );
  } catch {
    // no earlier run
  }
  const earlier = Deno.env.get("BENCH_RESUME") === "1" ? saved[name] : undefined;
  if (earlier) {
    for (const [key, kib] of earlier.peaks) peaks.set(key, Math.max(peaks.get(key) ?? 0, kib));
    log(`${name}: from the last run`);
    return earlier.result;
  }
  const result = await run();
  saved[name] = { result, peaks: [...peaks] };
  Deno.writeTextFileSync(
    file,
    JSON.stringify(saved, (_, value) => value instanceof Map ? { $map: [...value] } : value),
  );
  return result;
}

if (import.meta.main) {
  Deno.mkdirSync(BUILD, { recursive: true });
  sh(["gcc", "-O2", "-o", `${BUILD}epoll_echo`, `${SHARED}epoll_echo.c`]);
  sh(["gcc", "-O2", "-o", `${BUILD}echoload`, `${SHARED}echoload.c`]);
  const started = new Date();
  log(`bench: ${ROUNDS} rounds of ${SECONDS} s per workload and server`);
  const rows: Row[] = [];
  for (const workload of WORKLOADS) {
    rows.push(await section(`workload ${workload.name}`, () => measureWorkload(workload)));
  }
  const idle = await section("idle", async () => ({
    reference: await idleMemory("reference"),
    echoprobe: await idleMemory("echoprobeIdle"),
    node: await idleMemory("node"),
  }));
  log(`idle KiB per connection: ${JSON.stringify(idle)}`);
  const client = await section("client load", clientLoad);
  log(`client load: ${JSON.stringify(client)}`);
  const shot = await section("one-shot", oneShot);
  log(`one-shot client: ${JSON.stringify(shot)}`);

  const cpu = sh(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]) || "?";
  const fmt = (n: number) => n.toFixed(2);
  const lines = [
    "# Benchmark results",
    "",
    `Run by \`deno task bench\` on ${started.toISOString()}: ${ROUNDS} rounds, ${SECONDS} s per run; in each`,
    "round the servers run one after the other (reference first); a ratio is echoprobe's figure over the",
    "reference's in the same round, and the table shows the median of those per-round ratios (each",
    "round's ratio after it). Server on core 0, load on core 1 (`taskset`); 250-byte records.",
    "",
    `- Machine: ${sh(["nproc"])} cores (${cpu}), ${sh(["uname", "-sr"])}`,
    `- Deno ${Deno.version.deno} (V8 ${Deno.version.v8}), ${sh(["node", "--version"])}, ${
      sh(["gcc", "--version"]).split("\n")[0]
    }`,
    "- Reference and load client: ../shared/bench (epoll_echo.c, echoload.c), built with `gcc -O2`.",
    "- echoprobe runs as shipped (`deno task serve`, the compiled binary): `deno run --allow-net",
    `  ${V8_FLAGS.join(" ")} main.ts server --host 127.0.0.1 --port P\` with the default flags`,
    "  (record mode, 30 s per-record timeout, text logs to stderr, backlog 10).",
    "",
    "| workload (echoload) | target | reference | echoprobe | Node net (peer) |",
    "|---|---|---|---|---|",
    ...rows.map((row) => {
      const cell = (key: string) => {
        const r = row.results.get(key);
        return r ? `${fmt(r.ratio)} (${r.ratios.map(fmt).join(", ")})` : "–";
      };
      const echoprobe = row.results.has("echoprobe") ? cell("echoprobe") : cell("echoprobeStream");
      return `| ${row.workload} | ${row.target} | ${row.reference} | ${echoprobe} | ${
        cell("node")
      } |`;
    }),
    `| KiB per idle connection (echoload idle 5000; echoprobe with --backlog 4096) | <= 6 KiB | ${
      fmt(idle.reference)
    } | ${fmt(idle.echoprobe)} | ${fmt(idle.node)} |`,
    `| server peak RSS over all of the above | <= 100 MB | ${
      Math.round((peaks.get("reference") ?? 0) / 1024)
    } MB | ${
      Math.round(
        Math.max(
          peaks.get("echoprobe") ?? 0,
          peaks.get("echoprobeStream") ?? 0,
          peaks.get("echoprobeIdle") ?? 0,
        ) / 1024,
      )
    } MB | ${Math.round((peaks.get("node") ?? 0) / 1024)} MB |`,
    `| client --concurrency 32 --reuse vs echoload pp 32 (against the reference) | >= 0.70 | ${
      Math.round(client.echoloadOps)
    } ops/s | ${fmt(client.ratio)} (${client.ratios.map(fmt).join(", ")}) | – |`,
    `| one-shot client vs deno run of an empty script (wall time, median of 15) | <= 1.2x | ${
      shot.emptyMs.toFixed(0)
    } ms | ${fmt(shot.ratio)} (${shot.clientMs.toFixed(0)} ms) | – |`,
    "",
  ];
  Deno.writeTextFileSync(`${ROOT}bench/RESULTS.md`, lines.join("\n"));
  log("bench: wrote bench/RESULTS.md");
}
