import assert from "node:assert/strict";
import { flatProfile, gcTotals, profiledCommand } from "../bench/profile.ts";
import { PEERS } from "../bench/servers.ts";

Deno.test("profiledCommand() adds --cpu-prof or --trace-gc to the runtime, keeping echoprobe's V8 flags", () => {
  const cpu = profiledCommand(PEERS.echoprobe, "cpu", "/tmp/p/");
  assert.deepEqual(cpu.slice(1, 5), ["run", "--cpu-prof", "--cpu-prof-dir=/tmp/p/", "--allow-net"]);
  const gc = profiledCommand(PEERS.echoprobe, "gc", "/tmp/p/");
  assert.ok(gc.includes("--v8-flags=--max-semi-space-size=8,--expose-gc,--trace-gc"), gc.join(" "));
  assert.deepEqual(profiledCommand(PEERS.bare, "gc", "/tmp/p/").slice(1, 3), [
    "run",
    "--v8-flags=--trace-gc",
  ]);
  assert.deepEqual(profiledCommand(PEERS.node, "gc", "/tmp/p/").slice(0, 2), [
    "node",
    "--trace-gc",
  ]);
  assert.deepEqual(profiledCommand(PEERS.reference, "strace", "/tmp/p/"), PEERS.reference.command);
  assert.throws(() => profiledCommand(PEERS.reference, "cpu", "/tmp/p/"), {
    message: '"cpu" profiles a JavaScript runtime: use strace for "C reference (epoll_echo)"',
  });
});

Deno.test("flatProfile() sums the self time of each function over its samples", () => {
  const frame = (functionName: string, lineNumber: number) => ({
    functionName,
    url: "ext:deno_net/01_net.js",
    lineNumber,
  });
  const profile = {
    nodes: [
      { id: 1, callFrame: { functionName: "(root)", url: "", lineNumber: -1 } },
      { id: 2, callFrame: frame("write", 9) },
      { id: 3, callFrame: frame("read", 19) },
      { id: 4, callFrame: frame("write", 9) }, // the same function, reached another way
    ],
    samples: [2, 3, 4, 2],
    timeDeltas: [1000, 500, 2000, 1500],
  };
  assert.deepEqual(flatProfile(profile), [
    { name: "write ext:deno_net/01_net.js:10", ms: 4.5 },
    { name: "read ext:deno_net/01_net.js:20", ms: 0.5 },
  ]);
});

Deno.test("gcTotals() counts pauses and their time by kind, in Deno's and Node's formats", () => {
  const trace = [
    "echoprobe server listening on 127.0.0.1:4000",
    "[1:0x5]       54 ms: Scavenge 4.1 (5.2) -> 3.8 (6.0) MB, pooled: 0.0 MB, 1.16 / 0.00 ms (average mu = 1.000, current mu = 1.000) allocation failure; ",
    "[1:0x5]      604 ms: Incremental Mark-Compact 11.1 (16.1) -> 4.4 (15.4) MB, pooled: 0.5 MB, 1.91 / 0.00 ms (+ 3.6 ms in 38 steps since start of marking)",
    "[2:0x3]      169 ms: Scavenge 4.5 (4.7) -> 4.1 (5.7) MB, 0.84 / 0.01 ms  (average mu = 1.000, current mu = 1.000) task; ",
  ].join("\n");
  const totals = gcTotals(trace);
  assert.deepEqual([...totals.keys()], ["Scavenge", "Incremental Mark-Compact"]);
  assert.equal(totals.get("Scavenge")!.count, 2);
  assert.ok(Math.abs(totals.get("Scavenge")!.ms - 2.0) < 1e-9);
  assert.deepEqual(totals.get("Incremental Mark-Compact"), { count: 1, ms: 1.91 });
});
