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
      ["127.0.0.1", "--udp", "--tls"],
      /^--tls does not go with --udp: a datagram has no connection \(no TLS, no connect, one address\)$/,
    ],
    [
      ["127.0.0.1", "--udp", "--ca", "ca.pem", "--pin-sha256", "AB".repeat(32)],
      /^--ca, --pin-sha256 do not go with --udp/,
    ],
    [["127.0.0.1", "--udp", "--sni", "db.internal"], /^--sni does not go with --udp/],
    [["127.0.0.1", "--udp", "--insecure-skip-verify"], /^--insecure-skip-verify does not/],
    [["127.0.0.1", "--udp", "--connect-only"], /^--connect-only does not go with --udp/],
    [["127.0.0.1", "--udp", "--attempt-delay", "50ms"], /^--attempt-delay does not go/],
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

Deno.test("parseClientArgs() --udp load: --count 0 runs until Ctrl-C, and no TCP buffer budget", () => {
  assert.deepEqual(parseClientArgs(["127.0.0.1", "--udp", "-n", "2", "-c", "0"]).load, {
    concurrency: 2,
  });
  // One socket for every loop: 10,000 loops of 60,000-byte datagrams hold no buffers each.
  const big = parseClientArgs(["127.0.0.1", "--udp", "-n", "10000", "-s", "60000", "-d", "1s"]);
  assert.equal(big.load?.concurrency, 10_000);
  assertUsageThrows(
    () => parseClientArgs(["127.0.0.1", "-n", "10000", "-s", "60000", "-d", "1s"]),
    /^--concurrency 10000 with --size 60000 needs .* above load mode's budget of 256 MiB/,
  );
});
