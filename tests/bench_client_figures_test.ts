import assert from "node:assert/strict";
import { hyperfineMedians, loadReport, oneShotCommand } from "../bench/client_figures.ts";

Deno.test("hyperfineMedians() reads each command's median from --export-json, in milliseconds", () => {
  const report = JSON.stringify({
    results: [
      { command: "client", mean: 0.033, median: 0.0315, times: [0.031, 0.032] },
      { command: "empty", mean: 0.013, median: 0.0127, times: [0.012, 0.013] },
    ],
  });
  const [client, empty] = hyperfineMedians(report);
  assert.equal(client, 31.5);
  assert.ok(Math.abs(empty! - 12.7) < 1e-9);
});

Deno.test("loadReport() finds the load object among the client's JSON lines", () => {
  const stdout = [
    '{"type":"probe","seq":1,"ok":true}',
    '{"type":"load","target":"127.0.0.1:4000","ok":700000,"failed":2,"perSecond":140000}',
    "",
  ].join("\n");
  assert.deepEqual(loadReport(stdout), { perSecond: 140000, failed: 2 });
  assert.equal(loadReport('{"type":"summary"}\n'), undefined);
});

Deno.test("oneShotCommand() runs the client as `deno task client` does", () => {
  const command = oneShotCommand(4000);
  assert.equal(command[0], Deno.execPath());
  assert.deepEqual(command.slice(1, 3), ["run", "--allow-net"]);
  assert.match(command[3]!, /\/main\.ts$/);
  assert.deepEqual(command.slice(4), ["client", "127.0.0.1:4000"]);
});
