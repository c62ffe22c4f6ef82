import assert from "node:assert/strict";
import { benchSettings } from "../bench/config.ts";
import { resultsMarkdown, type RunInfo } from "../bench/report.ts";
import type { RoundData } from "../bench/round.ts";
import { peerOrder } from "../bench/servers.ts";
import type { Sample } from "../bench/workloads.ts";

const sample = (value: number): Sample => ({
  value,
  cpuSeconds: 0.5,
  work: 100_000,
  errors: 0,
  stuck: 0,
});

function round(index: number, echoprobe: number): RoundData {
  const pp32 = {
    reference: sample(200_000),
    echoprobe: sample(echoprobe),
    bare: sample(150_000),
    node: sample(140_000),
  };
  return {
    order: peerOrder(index),
    throughput: { fresh: { pp32 }, churn: {} },
    churn: {},
    idle: {},
    oneShot: { clientMs: 30, emptyMs: 12 },
    seconds: 300,
  };
}

function info(env: Record<string, string>): RunInfo {
  return {
    started: new Date("2026-01-02T03:04:05Z"),
    elapsedSeconds: 900,
    settings: benchSettings((name) => env[name]),
    machine: {
      cpu: "Example CPU 9000",
      cores: 2,
      kernel: "Linux 6.1",
      deno: "Deno 2.9.6 (V8 15)",
      node: "Node v20",
      gcc: "gcc 12",
      hyperfine: "hyperfine 1.15.0",
    },
    fileLimit: 20_000,
    idleConnections: 19_000,
  };
}

Deno.test("resultsMarkdown() records the machine, the order of every round and each round's values", () => {
  const rounds = [round(0, 140_000), round(1, 150_000), round(2, 120_000)];
  const text = resultsMarkdown(info({}), rounds);
  assert.match(text, /Machine: Example CPU 9000 \(`\/proc\/cpuinfo` model name\), 2 cores/);
  assert.match(text, /3 rounds of 5 s per workload run, 15 min in all\.\n/);
  assert.doesNotMatch(text, /partial run/);
  assert.match(text, /- Round 1 \(5\.0 min\): C reference \(epoll_echo\), echoprobe/);
  assert.match(
    text,
    /- Round 2 \(5\.0 min\): echoprobe \(defaults, backlog 4096\), echoprobe --log none/,
  );
  assert.match(text, /backlog is 4096 or more/);
  // 140/150, 150/150, 120/150: median 0.93, moved more than 10%: the range comes first.
  assert.match(
    text,
    /\| ping-pong 32 \/ bare Deno record loop, fresh server \| >= 0\.95 \| 0\.80–1\.00 \(median 0\.93\) \| missed \(the range crosses the target\) \|/,
  );
  assert.match(
    text,
    /\| ping-pong 32 \/ bare Deno record loop, after churn \| >= 0\.95 \| – \| not run \|/,
  );
  assert.match(
    text,
    /\| one-shot client \/ empty `deno run` \(hyperfine medians\) \| <= 1\.3x \| 2\.50x \| missed \|/,
  );
  assert.match(
    text,
    /\| ping-pong 32 \/ bare Deno record loop, fresh server \| 0\.93 \| 1\.00 \| 0\.80 \|/,
  );
  // The peers' table: the reference's figures per second, the others as ratios to them.
  assert.match(
    text,
    /\| C reference \(epoll_echo\): per second \(MB\/s for the stream\) \| – \| – \| – \| 200000 \| – \|/,
  );
  assert.match(
    text,
    /\| echoprobe \(defaults, backlog 4096\) \| – \| – \| – \| 0\.60–0\.75 \(median 0\.70\) \| – \|/,
  );
  assert.match(text, /\| bare Deno record loop \| – \| – \| – \| 0\.75 \| – \|/);
  assert.match(text, /## Errors\n\nNone: every exchange of every run came back whole\./);
});

Deno.test("resultsMarkdown() marks a quick run as partial and lists the runs that counted errors", () => {
  const broken = round(0, 100_000);
  broken.throughput.fresh.pp32!.node = { ...sample(1), errors: 3, stuck: 1 };
  const text = resultsMarkdown(info({ BENCH_SECONDS: "1", BENCH_ROUNDS: "1" }), [broken]);
  assert.match(text, /1 round of 1 s per workload run, 15 min in all\. \*\*A partial run\*\*/);
  assert.match(text, /- round 1, fresh server, pp32, node: errors=3 stuck=1/);
});
