import assert from "node:assert/strict";
import { echoloadCommand, parseEcholoadLine, WORKLOADS } from "../bench/workloads.ts";

Deno.test("parseEcholoadLine() reads echoload's key=value report", () => {
  const report = parseEcholoadLine(
    "mode=pp conns=32 secs=5.00 size=250 ops=812345 ops_s=162469 errors=0 stuck=0 p50_us=190.1\n",
  );
  assert.equal(report.mode, "pp");
  assert.equal(report.ops_s, "162469");
  assert.equal(report.p50_us, "190.1");
  assert.deepEqual(parseEcholoadLine("echoload: bad numbers"), {});
});

Deno.test("the workloads are the issue's: new connections 1 and 32 loops from 64 sources, ping-pong 1 and 32, stream 8 x 16 KiB", () => {
  const args = Object.values(WORKLOADS).map((workload) => workload.args(4000, 5).join(" "));
  assert.deepEqual(args, [
    "conn 4000 1 5 --srcips 64",
    "conn 4000 32 5 --srcips 64",
    "pp 4000 1 5",
    "pp 4000 32 5",
    "stream 4000 8 5 --chunk 16384",
  ]);
  assert.equal(WORKLOADS.stream.metric, "MBps");
});

Deno.test("echoloadCommand() runs the load on core 1 with the open-files limit raised", () => {
  const command = echoloadCommand(["idle", "4000", "19000", "300"], 20_000);
  assert.deepEqual(command.slice(0, 5), ["prlimit", "--nofile=20000:20000", "taskset", "-c", "1"]);
  assert.match(command[5]!, /\.bench-build\/bench\/echoload$/);
  assert.deepEqual(command.slice(6), ["idle", "4000", "19000", "300"]);
});
