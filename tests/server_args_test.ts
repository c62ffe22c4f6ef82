/** `parseServerArgs()`: the server's argv to its plan, without a socket. */
import assert from "node:assert/strict";
import { parseServerArgs } from "../server.ts";
import { assertUsageThrows } from "./helpers.ts";

Deno.test("parseServerArgs() refuses bad input with the one line users see", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--port", "70000"], /Invalid --port "70000": expected a whole number from 0 to/],
    [["--size", "0"], /Invalid --size "0": expected a size from 1 to 67108864 bytes/],
    [["--size", "65MiB"], /Invalid --size "65MiB"/],
    [["--timeout", "abc"], /Invalid --timeout "abc": expected a duration/],
    [["--backlog", "0"], /Invalid --backlog "0"/],
    [["--grace", "-1s"], /^Invalid --grace "-1s": expected a duration above zero/],
    [["--port", "-1"], /^Invalid --port "-1": expected a whole number from 0 to 65535$/],
    [["--host", "[::1"], /^Invalid --host "\[::1": expected an IP address or a host name$/],
    [["--host", "999.1.1.1"], /^Invalid --host "999\.1\.1\.1": expected an IPv4 address/],
    [["--port", "1", "--port", "2"], /^Flag "--port" given twice \("1", "2"\): give it once/],
    // Durations past the runtime's timers (596h) are refused, with the largest allowed.
    ...["timeout", "grace", "max-duration", "stats-interval"].map((flag): [string[], RegExp] => [
      [`--${flag}`, "597h"],
      new RegExp(`^Invalid --${flag} "597h": expected a duration above zero and at most 596h`),
    ]),
    [["--bogus"], /Unknown flag "--bogus" \(see "echoprobe server --help"\)/],
    [["--port"], /Flag "--port" needs a value/],
    [["--json=yes"], /Flag "--json" takes no value/],
    [["extra"], /Unexpected argument "extra"/],
    [["--max-connections", "0"], /Invalid --max-connections "0"/],
    [["--max-per-ip", "many"], /Invalid --max-per-ip "many"/],
    [["--allow", "10.0.0.0/33"], /Invalid --allow "10.0.0.0\/33"/],
    [["--allow", "127.0.0.1", "--allow", "::1/200"], /Invalid --allow "::1\/200"/],
    [["--max-bytes", "0"], /Invalid --max-bytes "0"/],
    [["--max-duration", "0s"], /Invalid --max-duration "0s"/],
    [["--log", "xml"], /Invalid --log "xml": expected text, json or none/],
    [["--stats-interval", "often"], /Invalid --stats-interval "often"/],
    [["--port=-1"], /Invalid --port "-1"/],
    [["--port", "1.5"], /Invalid --port "1.5"/],
    [["--size", "1GiB"], /Invalid --size "1GiB"/],
    [["--timeout", "30"], /Invalid --timeout "30": expected a duration/],
    [["--backlog", "70000"], /Invalid --backlog "70000"/],
    [["--stream=1"], /Flag "--stream" takes no value/],
    [["-p"], /^Flag "--port" needs a value \(see "echoprobe server --help"\)$/],
    [["-x"], /^Unknown flag "-x" \(see "echoprobe server --help"\)$/],
    [["--buffer-budget", "0"], /Invalid --buffer-budget "0"/],
    [
      ["--buffer-budget", "100"],
      /^Invalid --buffer-budget "100": expected at least one record \(--size 250\)$/,
    ],
    [
      ["--size", "1MiB", "--buffer-budget", "512KiB"],
      /^Invalid --buffer-budget "512KiB": expected at least one record \(--size 1048576\)$/,
    ],
    [
      ["--metrics", "127.0.0.1"],
      /^Invalid --metrics "127.0.0.1": expected HOST:PORT or \[IPV6\]:PORT/,
    ],
    [["--metrics", ":9000"], /^Invalid --metrics ":9000"/],
    [["--metrics", "127.0.0.1:70000"], /^Invalid --metrics "127.0.0.1:70000"/],
  ];
  for (const [args, pattern] of cases) {
    await t.step(args.join(" "), () => assertUsageThrows(() => parseServerArgs(args), pattern));
  }
});

Deno.test("parseServerArgs() with no flags leaves every option to serve()'s defaults", () => {
  assert.deepEqual(parseServerArgs([]), {
    help: false,
    options: {},
    json: false,
    log: "text",
    statsIntervalMs: undefined,
    metrics: undefined,
    tls: undefined,
  });
});

Deno.test("parseServerArgs() turns each flag into its typed option", () => {
  const { options } = parseServerArgs([
    "--host",
    "127.0.0.1",
    "-p",
    "0",
    "-s",
    "4KiB",
    "-t",
    "1.5s",
    "--backlog",
    "64",
    "--grace",
    "2s",
    "--max-connections",
    "5",
    "--max-per-ip",
    "2",
    "--max-bytes",
    "1MiB",
    "--max-duration",
    "1m",
    "--stream",
  ]);
  assert.deepEqual(options, {
    hostname: "127.0.0.1",
    port: 0,
    recordSize: 4096,
    timeoutMs: 1_500,
    backlog: 64,
    graceMs: 2_000,
    maxConnections: 5,
    maxPerIp: 2,
    maxBytes: 1 << 20,
    maxDurationMs: 60_000,
    mode: "stream",
  });
});

Deno.test("parseServerArgs() reads --buffer-budget in bytes, at least one record", () => {
  assert.deepEqual(parseServerArgs(["--buffer-budget", "64MiB"]).options, {
    bufferBudget: 64 * 1024 * 1024,
  });
  assert.deepEqual(parseServerArgs(["--size", "1KiB", "--buffer-budget", "1KiB"]).options, {
    recordSize: 1024,
    bufferBudget: 1024,
  });
  // Stream mode has no records: any budget lets it echo.
  assert.equal(parseServerArgs(["--stream", "--buffer-budget", "1"]).options.bufferBudget, 1);
});

Deno.test("parseServerArgs() sets only the options given", () => {
  const { options } = parseServerArgs(["--timeout", "1.5s"]);
  assert.deepEqual(options, { timeoutMs: 1_500 });
  assert.ok(!("port" in options) && !("mode" in options), "not given: not set to undefined");
  assert.deepEqual(parseServerArgs(["--port", "3006"]).options, { port: 3006 });
});

Deno.test("parseServerArgs() reads each --allow as a range, in order", () => {
  const { allow } = parseServerArgs(["--allow", "10.0.0.0/8", "--allow", "::1"]).options;
  assert.deepEqual(allow?.map((range) => range.text), ["10.0.0.0/8", "::1"]);
  assert.equal(allow?.[0]?.contains("10.9.8.7"), true);
  assert.equal(allow?.[0]?.contains("11.0.0.1"), false);
  assert.equal(allow?.[1]?.contains("::1"), true);
});

Deno.test("parseServerArgs() reads an IPv4-mapped --allow range as the IPv4 range it maps", () => {
  const { allow } = parseServerArgs([
    "--allow",
    "::ffff:127.0.0.0/104",
    "--allow",
    "::ffff:7f00:1",
  ]).options;
  assert.equal(allow?.[0]?.contains("127.1.2.3"), true);
  assert.equal(allow?.[0]?.contains("10.0.0.1"), false);
  assert.equal(allow?.[1]?.contains("127.0.0.1"), true);
  assert.equal(allow?.[1]?.contains("127.0.0.2"), false);
});

Deno.test("parseServerArgs() makes --json the default log form; --log overrides it", () => {
  assert.deepEqual(
    [parseServerArgs(["--json"]).json, parseServerArgs(["--json"]).log],
    [true, "json"],
  );
  assert.equal(parseServerArgs(["--json", "--log", "text"]).log, "text");
  assert.equal(parseServerArgs(["--log", "none"]).log, "none");
  assert.equal(parseServerArgs(["--log", "json"]).json, false);
});

Deno.test("parseServerArgs() reads --host as an IP literal (brackets allowed) or a name", () => {
  assert.equal(parseServerArgs(["--host", "[::1]"]).options.hostname, "::1");
  assert.equal(parseServerArgs(["--host", "::"]).options.hostname, "::");
  assert.equal(parseServerArgs(["--host", "localhost"]).options.hostname, "localhost");
});

Deno.test("parseServerArgs() with --help ignores the values of other flags", () => {
  assert.equal(parseServerArgs(["--help", "--port", "x"]).help, true);
  assert.equal(parseServerArgs(["--host", "[::1", "-h"]).help, true);
});

Deno.test("parseServerArgs() reads --stats-interval in milliseconds, and -h as help", () => {
  assert.equal(parseServerArgs(["--stats-interval", "10s"]).statsIntervalMs, 10_000);
  assert.equal(parseServerArgs(["-h"]).help, true);
  assert.equal(parseServerArgs(["--help"]).help, true);
});

Deno.test("parseServerArgs() reads --metrics as a listen address; port 0 picks one", () => {
  assert.deepEqual(parseServerArgs(["--metrics", "127.0.0.1:0"]).metrics, {
    hostname: "127.0.0.1",
    port: 0,
  });
  assert.deepEqual(parseServerArgs(["--metrics", "[::1]:3007"]).metrics, {
    hostname: "::1",
    port: 3007,
  });
  assert.deepEqual(parseServerArgs(["--metrics", "127.0.0.1:0"]).options, {}, "not serve()'s");
});

Deno.test("parseServerArgs() reads --tls, and --tls-cert with --tls-key (which imply it)", () => {
  assert.equal(parseServerArgs([]).tls, undefined);
  assert.deepEqual(parseServerArgs(["--tls"]).tls, {});
  assert.deepEqual(parseServerArgs(["--tls-cert", "c.pem", "--tls-key", "k.pem"]).tls, {
    files: { certFile: "c.pem", keyFile: "k.pem" },
  });
  assert.deepEqual(parseServerArgs(["--tls", "--tls-cert", "-", "--tls-key", "-"]).tls, {
    files: { certFile: "-", keyFile: "-" },
  });
  for (const args of [["--tls-cert", "c.pem"], ["--tls", "--tls-key", "k.pem"]]) {
    assertUsageThrows(
      () => parseServerArgs(args),
      /^Give --tls-cert and --tls-key together \(one file or - may hold both\)$/,
    );
  }
});
