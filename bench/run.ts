/**
 * `deno task bench`: echoprobe against its peers (the C reference of ../shared/bench,
 * the bare Deno record loop, Node's `net`), in alternated rounds, and RESULTS.md.
 *
 * The settings are environment variables (bench/config.ts). A complete run at full
 * size writes bench/RESULTS.md; any smaller one writes .bench-build/bench/RESULTS.md,
 * so that a quick check never replaces the figures of a final run. Every finished
 * round is kept in .bench-build/bench/rounds.json (`BENCH_RESUME=1` goes on from it).
 *
 * The layout: config.ts (settings), servers.ts (the peers, running one), workloads.ts
 * (echoload), memory.ts (churn and idle), client_figures.ts (hyperfine, load mode),
 * system.ts (/proc: RSS, CPU, descriptors, ports), round.ts (one round), figures.ts
 * (medians, spreads, targets), report.ts (RESULTS.md), tls.ts (the TLS workloads),
 * profile.ts (one server under a profiler).
 *
 * @module
 */

import { benchSettings, BUILD, ROOT, type Settings, SHARED } from "./config.ts";
import { resultsMarkdown } from "./report.ts";
import { idleConnections, type RoundData, runRound } from "./round.ts";
import { PEERS } from "./servers.ts";
import { describeMachine, log, openFilesLimit, output } from "./system.ts";
import { makeCertificate } from "./tls.ts";
import { WORKLOADS } from "./workloads.ts";

/** Where the finished rounds are kept. */
const SAVED = `${BUILD}rounds.json`;

/** Builds the reference server and the load client into .bench-build/bench/ (never committed). */
export async function buildPrograms(): Promise<void> {
  await Deno.mkdir(BUILD, { recursive: true });
  for (const program of ["epoll_echo", "echoload"]) {
    await output(["gcc", "-O2", "-o", `${BUILD}${program}`, `${SHARED}${program}.c`]);
  }
  await makeCertificate(); // for the TLS workloads
}

/** The settings that make rounds comparable (not their number, nor resuming). */
function measurementOf(settings: Settings): string {
  const { seconds, churnConnections, idleConnections, workloads, phases, extras } = settings;
  return JSON.stringify({ seconds, churnConnections, idleConnections, workloads, phases, extras });
}

interface Saved {
  measurement: string;
  started: string;
  rounds: RoundData[];
}

async function savedRounds(settings: Settings): Promise<Saved | undefined> {
  if (!settings.resume) return undefined;
  let saved: Saved;
  try {
    saved = JSON.parse(await Deno.readTextFile(SAVED));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  if (saved.measurement !== measurementOf(settings)) {
    log("bench: the saved rounds were measured with other settings: starting afresh");
    return undefined;
  }
  return saved;
}

/**
 * About how long a run takes, seconds: echoload's runs, plus what was seen here around
 * them (a Deno server's start and stop, a churn at about 20,000 connections/s, an idle
 * run, hyperfine).
 */
export function estimateSeconds(settings: Settings): number {
  const peers = (workload: keyof typeof WORKLOADS) =>
    Object.values(PEERS).filter((peer) => !peer.workloads || peer.workloads.includes(workload))
      .length;
  const runs = settings.workloads.reduce((sum, workload) => sum + peers(workload), 0);
  let round = 0;
  if (settings.phases.includes("fresh")) round += runs * (settings.seconds + 1.5);
  if (settings.phases.includes("churn")) {
    const churned = settings.workloads.includes("conn32") ? 5 : 4;
    round += churned * (settings.churnConnections / 20_000 + 12) + runs * (settings.seconds + 0.2);
  }
  if (settings.extras.includes("idle")) round += 4 * (settings.idleConnections / 5_000 + 6);
  if (settings.extras.includes("clientload")) round += 2 * settings.seconds + 3;
  if (settings.extras.includes("oneshot")) round += 4;
  if (settings.extras.includes("tls")) round += 9 * (settings.seconds + 2);
  return round * settings.rounds;
}

if (import.meta.main) {
  const settings = benchSettings((name) => Deno.env.get(name));
  await buildPrograms();
  const fileLimit = await openFilesLimit();
  const machine = await describeMachine();
  const saved = await savedRounds(settings);
  const rounds: RoundData[] = saved?.rounds.slice(0, settings.rounds) ?? [];
  const started = saved ? new Date(saved.started) : new Date();
  log(
    `bench: ${settings.rounds} rounds of ${settings.seconds} s runs (${
      settings.workloads.join(" ") || "no workload"
    }; ${settings.phases.join(" ") || "no phase"}; ${
      settings.extras.join(" ") || "no extra"
    }), about ${
      Math.ceil(estimateSeconds(settings) / 60)
    } min; ${machine.cpu}; open files ${fileLimit}`,
  );
  if (rounds.length > 0) log(`bench: ${rounds.length} rounds from the last run`);
  for (let round = rounds.length; round < settings.rounds; round++) {
    rounds.push(await runRound(settings, round, fileLimit));
    const keep: Saved = {
      measurement: measurementOf(settings),
      started: started.toISOString(),
      rounds,
    };
    await Deno.writeTextFile(SAVED, JSON.stringify(keep));
  }
  const markdown = resultsMarkdown({
    started,
    elapsedSeconds: rounds.reduce((sum, round) => sum + round.seconds, 0),
    settings,
    machine,
    fileLimit,
    idleConnections: idleConnections(settings, fileLimit),
  }, rounds);
  const results = settings.complete ? `${ROOT}bench/RESULTS.md` : `${BUILD}RESULTS.md`;
  await Deno.writeTextFile(results, markdown);
  const targets = markdown.slice(markdown.indexOf("## Targets"), markdown.indexOf("\n## Peers"));
  log(`\n${targets}\nbench: wrote ${results.replace(ROOT, "")}`);
}
