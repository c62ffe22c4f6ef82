/**
 * One round of the benchmark: every selected figure once, for every peer, in the
 * round's order of peers.
 *
 * - fresh: per workload, per peer: a new server, one echoload run, stop.
 * - churn: per peer: a new server serves `BENCH_CHURN` connections, its RSS is read
 *   10 s after they closed; the churned servers then stay up (idle, side by side on
 *   core 0) and run the workloads in the fresh phase's order, each peer in turn: new
 *   connections first, ping-pong and stream after, as a real endpoint lives.
 * - idle: per peer: a new server holds `BENCH_IDLE` idle connections.
 * - clientload, oneshot: against the reference.
 * - tls: the TLS workloads (bench/tls.ts), every TLS server for each.
 *
 * @module
 */

import type { PhaseName, Settings, WorkloadName } from "./config.ts";
import {
  clientLoad,
  type ClientLoadSample,
  oneShot,
  type OneShotSample,
} from "./client_figures.ts";
import { churn, type ChurnSample, idle, type IdleSample } from "./memory.ts";
import { idlePeer, type Peer, type PeerKey, peerOrder, PEERS, RunningServer } from "./servers.ts";
import { log } from "./system.ts";
import { type TlsData, type TlsPeerKey, tlsPeerOrder, tlsRound } from "./tls.ts";
import { measure, type Sample, WORKLOADS } from "./workloads.ts";

/** A workload's samples, by peer. */
export type WorkloadSamples = Partial<Record<PeerKey, Sample>>;

/** Everything one round measured. */
export interface RoundData {
  /** The order the peers ran in. */
  order: PeerKey[];
  /** Throughput samples by phase, workload and peer. */
  throughput: Record<PhaseName, Partial<Record<WorkloadName, WorkloadSamples>>>;
  churn: Partial<Record<PeerKey, ChurnSample>>;
  idle: Partial<Record<PeerKey, IdleSample>>;
  clientLoad?: ClientLoadSample;
  oneShot?: OneShotSample;
  /** The TLS workloads, and the order their servers ran in. */
  tls?: TlsData;
  tlsOrder?: TlsPeerKey[];
  /** Wall time of the round, seconds. */
  seconds: number;
}

/** Whether `peer` runs `workload`. */
export function runs(peer: Peer, workload: WorkloadName): boolean {
  return peer.workloads === undefined || peer.workloads.includes(workload);
}

function describe(sample: Sample, workload: WorkloadName): string {
  return `${Math.round(sample.value)} ${WORKLOADS[workload].unit}`;
}

/** Runs round `round` (from 0) of `settings`; `fileLimit` is the children's open-files limit. */
export async function runRound(
  settings: Settings,
  round: number,
  fileLimit: number,
): Promise<RoundData> {
  const started = performance.now();
  const order = peerOrder(round);
  const data: RoundData = {
    order,
    throughput: { fresh: {}, churn: {} },
    churn: {},
    idle: {},
    seconds: 0,
  };
  log(`round ${round + 1}: ${order.join(", ")}`);

  if (settings.phases.includes("fresh")) {
    for (const workload of settings.workloads) {
      const samples: WorkloadSamples = data.throughput.fresh[workload] = {};
      for (const key of order.filter((key) => runs(PEERS[key], workload))) {
        await using server = await RunningServer.start(PEERS[key], fileLimit);
        const sample = await measure(server, WORKLOADS[workload], settings.seconds, fileLimit);
        samples[key] = sample;
        log(`  fresh ${workload} ${key}: ${describe(sample, workload)}`);
      }
    }
  }

  if (settings.phases.includes("churn")) {
    const keys = order.filter((key) =>
      PEERS[key].workloads === undefined ||
      settings.workloads.some((workload) => runs(PEERS[key], workload))
    );
    const churned = new Map<PeerKey, RunningServer>();
    try {
      for (const key of keys) {
        const server = await RunningServer.start(PEERS[key], fileLimit);
        churned.set(key, server);
        const sample = await churn(server, settings.churnConnections, fileLimit);
        data.churn[key] = sample;
        log(
          `  churn ${key}: ${sample.served} connections in ${sample.seconds.toFixed(1)} s, RSS ${
            (sample.before.rssKiB / 1024).toFixed(1)
          } -> ${(sample.after.rssKiB / 1024).toFixed(1)} MB`,
        );
      }
      for (const workload of settings.workloads) {
        const samples: WorkloadSamples = data.throughput.churn[workload] = {};
        for (const key of keys.filter((key) => runs(PEERS[key], workload))) {
          const sample = await measure(
            churned.get(key)!,
            WORKLOADS[workload],
            settings.seconds,
            fileLimit,
          );
          samples[key] = sample;
          log(`  after churn ${workload} ${key}: ${describe(sample, workload)}`);
        }
      }
    } finally {
      for (const server of churned.values()) await server.stop();
    }
  }

  if (settings.extras.includes("idle")) {
    const connections = idleConnections(settings, fileLimit);
    for (const key of order.filter((key) => key !== "echoprobeNoLog")) {
      await using server = await RunningServer.start(idlePeer(key, connections), fileLimit);
      const sample = await idle(server, connections, fileLimit);
      data.idle[key] = sample;
      log(`  idle ${key}: ${sample.kibPerConnection.toFixed(2)} KiB per connection`);
    }
  }

  if (settings.extras.includes("clientload")) {
    await using server = await RunningServer.start(PEERS.reference, fileLimit);
    data.clientLoad = await clientLoad(server, settings.seconds, round % 2 === 1, fileLimit);
    log(`  client load: ${data.clientLoad.client}/s, echoload ${data.clientLoad.echoload}/s`);
  }

  if (settings.extras.includes("oneshot")) {
    await using server = await RunningServer.start(PEERS.reference, fileLimit);
    data.oneShot = await oneShot(server);
    log(
      `  one-shot client ${data.oneShot.clientMs.toFixed(1)} ms, empty deno run ${
        data.oneShot.emptyMs.toFixed(1)
      } ms`,
    );
  }

  if (settings.extras.includes("tls")) {
    data.tlsOrder = tlsPeerOrder(round);
    data.tls = await tlsRound(data.tlsOrder, settings.seconds, fileLimit);
  }

  data.seconds = (performance.now() - started) / 1000;
  return data;
}

/**
 * Idle connections to hold: `BENCH_IDLE`, or fewer where the open-files limit leaves
 * no room for them (a server and echoload each need one descriptor per connection,
 * and a few hundred of their own).
 */
export function idleConnections(settings: Settings, fileLimit: number): number {
  return Math.min(settings.idleConnections, fileLimit - 500);
}
