/**
 * The memory figures: a server's RSS 10 s after it served many connections (churn)
 * against its RSS before them, and its RSS per idle connection held.
 *
 * @module
 */

import type { RunningServer } from "./servers.ts";
import { delay, log, type ProcessSample, signalChild, waitUntil } from "./system.ts";
import { echoload, echoloadCommand } from "./workloads.ts";

/** What a churn did to a server. */
export interface ChurnSample {
  /** Connections served (each one: connect, one record echoed, close). */
  served: number;
  /** Wall time of the churn, seconds. */
  seconds: number;
  /** echoload's errors during the churn. */
  errors: number;
  /** Just before the first connection. */
  before: ProcessSample;
  /** 10 s after the last connection closed (VmHWM: the peak during the churn). */
  after: ProcessSample;
  filesBefore: number;
  filesAfter: number;
}

/** The wait between the last close of a churn and the RSS read after it. */
export const SETTLE_MS = 10_000;

/**
 * Has `server` serve `connections` new connections (echoload conn, 32 loops, 64
 * source addresses; runs of a few seconds until the count is reached), waits until
 * it has closed them, then 10 s, and reads its RSS.
 */
export async function churn(
  server: RunningServer,
  connections: number,
  fileLimit: number,
): Promise<ChurnSample> {
  const filesBefore = await server.openFiles();
  const before = await server.sample();
  const started = performance.now();
  let served = 0;
  let errors = 0;
  let runSeconds = 1; // the first run measures the rate, the next ones aim at the count
  for (let run = 0; run < 100 && served < connections; run++) {
    if (performance.now() - started > 600_000) break;
    const report = await echoload(
      ["conn", String(server.port), "32", String(runSeconds), "--srcips", "64"],
      fileLimit,
    );
    served += Number(report.ops);
    errors += Number(report.errors ?? 0);
    const rate = Number(report.ops_s);
    // Rounded down, so that the count is passed by less than a second's worth.
    runSeconds = rate > 0
      ? Math.min(10, Math.max(1, Math.floor((connections - served) / rate)))
      : 1;
  }
  const seconds = (performance.now() - started) / 1000;
  if (served < connections) {
    log(`  ! ${server.peer.label}: churn served ${served} of ${connections} connections`);
  }
  if (errors > 0) log(`  ! ${server.peer.label}: churn errors=${errors}`);
  const filesAfter = await settledFiles(server, filesBefore);
  // The figure is defined 10 s after the last close: this wait is the measurement.
  await delay(SETTLE_MS);
  return {
    served,
    seconds,
    errors,
    before,
    after: await server.sample(),
    filesBefore,
    filesAfter,
  };
}

/**
 * Waits (at most 30 s) until `server` holds no more than `files` descriptors, and
 * returns what it holds: more than `files` after 30 s is a finding, not a failure.
 */
async function settledFiles(server: RunningServer, files: number): Promise<number> {
  const deadline = performance.now() + 30_000;
  let open = await server.openFiles();
  while (open > files && performance.now() < deadline) {
    await delay(100);
    open = await server.openFiles();
  }
  if (open > files) {
    log(`  ! ${server.peer.label}: ${open} descriptors open 30 s after churn (${files} before)`);
  }
  return open;
}

/** What holding idle connections did to a server. */
export interface IdleSample {
  /** Connections opened and accepted. */
  opened: number;
  before: ProcessSample;
  after: ProcessSample;
  /** (after - before) RSS / opened. */
  kibPerConnection: number;
}

/**
 * Opens `connections` idle connections to `server` (echoload idle), waits until the
 * server holds them all and its RSS has settled, and reads the RSS per connection.
 *
 * @throws {Error} When echoload opens none, or the server does not take them within 60 s.
 */
export async function idle(
  server: RunningServer,
  connections: number,
  fileLimit: number,
): Promise<IdleSample> {
  const files = await server.openFiles();
  const before = await server.sample();
  // Held for at most 300 s (echoload ends by itself then); killed as soon as measured.
  const [program, ...args] = echoloadCommand(
    ["idle", String(server.port), String(connections), "300"],
    fileLimit,
  );
  const load = new Deno.Command(program!, { args, stdout: "piped", stderr: "null" }).spawn();
  try {
    const reader = load.stdout.getReader();
    const decoder = new TextDecoder();
    let text = "";
    try {
      for (let chunk = 0; chunk < 100 && !/ready opened=\d+/.test(text); chunk++) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } finally {
      await reader.cancel();
    }
    const opened = Number(/ready opened=(\d+)/.exec(text)?.[1] ?? 0);
    if (opened === 0) {
      throw new Error(`echoload idle opened no connection to "${server.peer.label}": ${text}`);
    }
    if (opened < connections) {
      log(`  ! ${server.peer.label}: echoload opened ${opened} of ${connections} connections`);
    }
    await waitUntil(
      `"${server.peer.label}" to accept ${opened} connections`,
      async () => (await server.openFiles()) >= files + opened,
      60_000,
    );
    const after = await settledRss(server);
    return { opened, before, after, kibPerConnection: (after.rssKiB - before.rssKiB) / opened };
  } finally {
    signalChild(load, "SIGTERM");
    await load.status;
  }
}

/**
 * Reads the server's RSS every 500 ms until two reads in a row are within 0.5% of
 * each other (it finished setting up what it holds per connection), at most 10 s.
 */
async function settledRss(server: RunningServer): Promise<ProcessSample> {
  let last = await server.sample();
  for (let read = 0; read < 20; read++) {
    await delay(500);
    const now = await server.sample();
    if (Math.abs(now.rssKiB - last.rssKiB) <= 0.005 * last.rssKiB) return now;
    last = now;
  }
  log(`  ! ${server.peer.label}: RSS still moving 10 s after the idle connections opened`);
  return last;
}
