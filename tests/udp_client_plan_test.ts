/** `parseClientArgs()` with --udp: what goes with it, and a datagram's size. */
import assert from "node:assert/strict";
import { parseClientArgs } from "../client.ts";
import { assertUsageThrows } from "./helpers.ts";

Deno.test("parseClientArgs() marks a UDP run, and leaves it out otherwise", () => {
  assert.equal(parseClientArgs(["127.0.0.1", "--udp"]).udp, true);
  assert.ok(!("udp" in parseClientArgs(["127.0.0.1"])));
});

Deno.test("parseClientArgs() --udp takes the series and load flags of TCP", () => {
  const series = parseClientArgs([
    "127.0.0.1:4000",
    "--udp",
    "-c",
    "5",
    "-i",
    "10ms",
    "-t",
    "1s",
    "-s",
    "20",
    "--until-ok",
  ]);
  assert.deepEqual(series.series, {
    hostname: "127.0.0.1",
    port: 4000,
    size: 20,
    timeoutMs: 1_000,
    count: 5,
    intervalMs: 10,
    untilOk: true,
  });
  const load = parseClientArgs(["127.0.0.1", "--udp", "--rate", "1000", "-d", "5s"]);
  assert.deepEqual(load.load, { concurrency: 1, durationMs: 5_000, rate: 1000 });
  assert.equal(
    parseClientArgs(["127.0.0.1", "--udp", "-n", "4", "-c", "100"]).load?.concurrency,
    4,
  );
});

Deno.test("parseClientArgs() refuses what does not go with --udp", async (t) => {
  const cases: [string[], RegExp][] = [
    [["127.0.0.1", "--udp", "--reuse"], /^--reuse does not go with --udp/],
    [["127.0.0.1", "--udp", "--resolve"], /^--resolve does not go with --udp/],
    [
      ["127.0.0.1", "--udp", "--size", "19"],
      /^Invalid --size "19": expected 20 to 65507 bytes with --udp \(a 20-byte header, then the payload\)$/,
    ],
    [["127.0.0.1", "--udp", "--size", "64KiB"], /^Invalid --size "64KiB": expected 20 to 65507/],
    [
      ["127.0.0.1", "--udp", "--rate", "10", "-n", "2", "-d", "1s"],
      /^--concurrency does not go with --udp --rate/,
    ],
  ];
  for (const [args, pattern] of cases) {
    await t.step(args.join(" "), () => assertUsageThrows(() => parseClientArgs(args), pattern));
  }
});
