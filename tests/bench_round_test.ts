import assert from "node:assert/strict";
import { benchSettings } from "../bench/config.ts";
import { idleConnections, runs } from "../bench/round.ts";
import { PEERS } from "../bench/servers.ts";

Deno.test("runs(): echoprobe --log none runs only new connections over 32 loops, the others everything", () => {
  assert.equal(runs(PEERS.echoprobeNoLog, "conn32"), true);
  assert.equal(runs(PEERS.echoprobeNoLog, "pp32"), false);
  assert.equal(runs(PEERS.echoprobe, "stream"), true);
  assert.equal(runs(PEERS.reference, "conn1"), true);
});

Deno.test("idleConnections() holds BENCH_IDLE unless the open-files limit leaves no room", () => {
  const settings = benchSettings(() => undefined);
  assert.equal(idleConnections(settings, 20_000), 19_000);
  assert.equal(idleConnections(settings, 1024), 524);
});
