/** `parseServerArgs()` with --udp: the UDP plan, and the flags that do not go with it. */
import assert from "node:assert/strict";
import { parseServerArgs } from "../server.ts";
import { assertUsageThrows } from "./helpers.ts";

Deno.test("parseServerArgs() without --udp has no UDP plan at all", () => {
  assert.ok(!("udp" in parseServerArgs([])));
});

Deno.test("parseServerArgs() --udp alone: only what was given, TCP off", () => {
  assert.deepEqual(parseServerArgs(["--udp"]).udp, {
    options: {},
    tcp: false,
    logIntervalMs: undefined,
  });
});

Deno.test("parseServerArgs() --udp takes --host, --port, --size and --allow, and its own flags", () => {
  const plan = parseServerArgs([
    "--udp",
    "--tcp",
    "--host",
    "::",
    "--port",
    "0",
    "--size",
    "1KiB",
    "--allow",
    "10.0.0.0/8",
    "--udp-rate",
    "20.5",
    "--udp-burst",
    "40",
    "--udp-global-rate",
    "500",
    "--udp-global-burst",
    "1000",
    "--udp-log-interval",
    "1m",
    "--timeout",
    "5s",
  ]);
  const udp = plan.udp!;
  assert.equal(udp.tcp, true);
  assert.equal(udp.logIntervalMs, 60_000);
  const { allow, ...options } = udp.options;
  assert.deepEqual(options, {
    hostname: "::",
    port: 0,
    maxDatagramBytes: 1024,
    sourceRate: 20.5,
    sourceBurst: 40,
    globalRate: 500,
    globalBurst: 1000,
  });
  assert.deepEqual(allow?.map((range) => range.text), ["10.0.0.0/8"]);
  assert.equal(plan.options.timeoutMs, 5_000, "TCP's flags stay TCP's");
});

Deno.test("parseServerArgs() refuses UDP flags and --tcp without --udp, and TCP's with --udp alone", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--udp-rate", "5"], /^--udp-rate needs --udp$/],
    [["--udp-log-interval", "1s"], /^--udp-log-interval needs --udp$/],
    [["--tcp"], /^--tcp needs --udp: without --udp the server serves TCP alone$/],
    [["--tcp", "--port", "0"], /^--tcp needs --udp/],
    [["--udp", "--stream"], /^--stream is for TCP: add --tcp to serve TCP beside UDP$/],
    [["--udp", "--max-connections", "5"], /^--max-connections is for TCP: add --tcp/],
    [["--udp", "--timeout", "1s"], /^--timeout is for TCP/],
    [["--udp", "--buffer-budget", "1MiB"], /^--buffer-budget is for TCP: add --tcp/],
    [["--udp", "--tls"], /^--tls is for TCP: add --tcp to serve TCP beside UDP$/],
    [["--udp", "--tls-cert", "-", "--tls-key", "-"], /^--tls-cert is for TCP: add --tcp/],
    [["--udp", "--udp-rate", "0"], /^Invalid --udp-rate "0": expected answers per second above 0$/],
    [["--udp", "--udp-burst", "0"], /^Invalid --udp-burst "0"/],
    [["--udp", "--udp-global-rate", "fast"], /^Invalid --udp-global-rate "fast"/],
    [
      ["--udp", "--udp-log-interval", "10"],
      /^Invalid --udp-log-interval "10": expected a duration/,
    ],
    [["--udp=yes"], /^Flag "--udp" takes no value/],
  ];
  for (const [args, pattern] of cases) {
    await t.step(args.join(" "), () => assertUsageThrows(() => parseServerArgs(args), pattern));
  }
});
