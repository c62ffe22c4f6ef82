import assert from "node:assert/strict";
import { benchSettings } from "../bench/config.ts";

const from = (table: Record<string, string>) => (name: string) => table[name];

Deno.test("benchSettings() with no variable is the complete final run: 5 rounds of 5 s, everything", () => {
  const settings = benchSettings(from({}));
  assert.equal(settings.rounds, 5);
  assert.equal(settings.seconds, 5);
  assert.equal(settings.churnConnections, 100_000);
  assert.equal(settings.idleConnections, 19_000);
  assert.deepEqual(settings.workloads, ["conn1", "conn32", "pp1", "pp32", "stream"]);
  assert.deepEqual(settings.phases, ["fresh", "churn"]);
  assert.deepEqual(settings.extras, ["idle", "oneshot", "clientload", "tls"]);
  assert.equal(settings.complete, true);
  assert.equal(settings.resume, false);
});

Deno.test("benchSettings() quick mode is not complete, so it cannot replace bench/RESULTS.md", () => {
  assert.equal(benchSettings(from({ BENCH_SECONDS: "1", BENCH_ROUNDS: "1" })).complete, false);
  assert.equal(benchSettings(from({ BENCH_CHURN: "1000" })).complete, false);
  assert.equal(benchSettings(from({ BENCH_ONLY: "pp32" })).complete, false);
  assert.equal(benchSettings(from({ BENCH_ROUNDS: "7" })).complete, true);
});

Deno.test("benchSettings() BENCH_ONLY with workloads runs them in both phases, in the usual order, and nothing else", () => {
  const settings = benchSettings(from({ BENCH_ONLY: "pp32, conn1" }));
  assert.deepEqual(settings.workloads, ["conn1", "pp32"]);
  assert.deepEqual(settings.phases, ["fresh", "churn"]);
  assert.deepEqual(settings.extras, []);
});

Deno.test("benchSettings() BENCH_ONLY names a phase, or the churn alone, or only extras", () => {
  const fresh = benchSettings(from({ BENCH_ONLY: "pp32,fresh" }));
  assert.deepEqual(fresh.phases, ["fresh"]);
  const churn = benchSettings(from({ BENCH_ONLY: "churn" }));
  assert.deepEqual([churn.workloads, churn.phases], [[], ["churn"]]);
  const extras = benchSettings(from({ BENCH_ONLY: "idle,oneshot" }));
  assert.deepEqual([extras.workloads, extras.phases, extras.extras], [[], [], ["idle", "oneshot"]]);
});

Deno.test("benchSettings() names the variable and the value it cannot read", () => {
  assert.throws(() => benchSettings(from({ BENCH_ROUNDS: "0" })), {
    message: 'BENCH_ROUNDS must be a whole number of at least 1, not "0"',
  });
  assert.throws(() => benchSettings(from({ BENCH_SECONDS: "1.5" })), {
    message: 'BENCH_SECONDS must be a whole number of at least 1, not "1.5"',
  });
  assert.throws(() => benchSettings(from({ BENCH_ONLY: "pp32,pp64" })), {
    message:
      'BENCH_ONLY names "pp64", which is none of conn1, conn32, pp1, pp32, stream, fresh, churn, idle, oneshot, clientload, tls',
  });
});
