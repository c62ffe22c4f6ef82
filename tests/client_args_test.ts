/** `parseClientArgs()`: the client's argv to its plan, without a socket. */
import assert from "node:assert/strict";
import { parseClientArgs } from "../client.ts";
import { parsePayload } from "../lib/payload.ts";
import { assertUsageThrows } from "./helpers.ts";

Deno.test("parseClientArgs() refuses bad input with the one line users see", async (t) => {
  const cases: [string[], RegExp][] = [
    [[], /Missing HOST \(see "echoprobe client --help"\)/],
    [["a", "b"], /Expected one HOST, got 2: "a", "b"/],
    [["127.0.0.1:70000"], /Invalid port "70000"/],
    [["127.0.0.1:4000", "--port", "4001"], /Port given twice/],
    [["127.0.0.1", "--count=-1"], /Invalid --count "-1"/],
    [["127.0.0.1", "-4", "-6"], /Give -4 or -6, not both/],
    [["127.0.0.1", "--max-loss", "101"], /Invalid --max-loss "101"/],
    [["127.0.0.1", "--payload", "noise"], /Invalid --payload "noise": expected random,/],
    [["127.0.0.1", "--payload", "hex:ABC"], /Invalid --payload "hex:ABC"/],
    [["127.0.0.1", "--seed", "x"], /Invalid --seed "x"/],
    [["127.0.0.1", "--deadline", "soon"], /Invalid --deadline "soon"/],
    [["127.0.0.1", "--payload", "@f", "--size", "9"], /Give --size or --payload @FILE/],
    [["127.0.0.1", "--size", "17MiB"], /Invalid --size "17MiB"/],
    [["127.0.0.1", "--interval", "1x"], /Invalid --interval "1x"/],
    [["127.0.0.1", "--timeout", "0s"], /Invalid --timeout "0s"/],
    [["[::1"], /^Invalid host "\[::1": expected HOST, HOST:PORT or \[IPV6\]:PORT$/],
    [["127.0.0.1", "--bogus"], /^Unknown flag "--bogus" \(see "echoprobe client --help"\)$/],
    // Load mode: the flags of the ping mode do not go with it, and it needs an end.
    [
      ["127.0.0.1", "-n", "2", "--interval", "1s", "-c", "5"],
      /--interval, --deadline and --until-ok do not go with load mode/,
    ],
    [["127.0.0.1", "-n", "2"], /Load mode needs --duration or --count \(--count 0: until Ctrl-C\)/],
    [["127.0.0.1", "-n", "2", "-d", "1s", "--rate", "fast"], /Invalid --rate "fast"/],
    [["127.0.0.1", "-n", "0", "-d", "1s"], /^Invalid --concurrency "0"/],
    // Values that look like negative numbers are values, refused for their range.
    [["127.0.0.1", "--port", "-1"], /^Invalid --port "-1": expected a whole number from 1 to/],
    [["127.0.0.1", "-p", "-1"], /^Invalid --port "-1"/],
    [["127.0.0.1", "--timeout", "-1s"], /^Invalid --timeout "-1s": expected a duration/],
    [["127.0.0.1", "-c", "-5"], /^Invalid --count "-5"/],
    // A value flag given twice: the first would be lost without a word.
    [
      ["127.0.0.1", "--count", "3", "--count", "5"],
      /^Flag "--count" given twice \("3", "5"\): give it once \(see "echoprobe client --help"\)$/,
    ],
    [["127.0.0.1", "-c", "3", "--count=5"], /^Flag "--count" given twice/],
    // HOST: an IPv6 literal with a port needs brackets; a number is an IPv4 address.
    [
      ["::1:20005"],
      /^Invalid host "::1:20005": expected \[::1\]:20005 for an IPv6 address with a port$/,
    ],
    [
      ["::1:3005"],
      /^Ambiguous HOST "::1:3005": write \[::1\]:3005 for port 3005, or \[::1:3005\] \(or --port\) for that address$/,
    ],
    [["999.1.1.1"], /^Invalid host "999\.1\.1\.1": expected an IPv4 address/],
    [["10.0.0.256:80"], /^Invalid host "10\.0\.0\.256": expected an IPv4 address/],
    [["[127.0.0.1]:80"], /^Invalid host "\[127\.0\.0\.1\]": expected an IPv6 address in brackets/],
    // -4 / -6 with a literal of the other family: nothing could succeed.
    [
      ["[::1]:3005", "-4"],
      /^-4 keeps to IPv4, but HOST "\[::1\]:3005" is an IPv6 address: leave out -4$/,
    ],
    [["::1", "--port", "3005", "--ipv4"], /^-4 keeps to IPv4, but HOST "::1" is an IPv6 address/],
    [["::ffff:10.0.0.7", "-4"], /^-4 keeps to IPv4, but HOST "::ffff:10\.0\.0\.7" is an IPv6/],
    [
      ["127.0.0.1:3005", "-6"],
      /^-6 keeps to IPv6, but HOST "127\.0\.0\.1:3005" is an IPv4 address: leave out -6$/,
    ],
    [["10.0.0.7", "-6", "--udp"], /^-6 keeps to IPv6, but HOST "10\.0\.0\.7" is an IPv4/],
    // Durations past the runtime's timers (596h) are refused, with the largest allowed.
    ...["interval", "deadline", "timeout"].map((flag): [string[], RegExp] => [
      ["127.0.0.1", `--${flag}`, "597h"],
      new RegExp(`^Invalid --${flag} "597h": expected a duration above zero and at most 596h`),
    ]),
    [["127.0.0.1", "-d", "597h"], /^Invalid --duration "597h": expected .* at most 596h/],
    [
      ["127.0.0.1", "--attempt-delay", "5ms"],
      /^Invalid --attempt-delay "5ms": expected a duration of 10ms or more/,
    ],
    // Load mode's buffers: a payload and an echo per loop, within 256 MiB in all.
    [
      ["127.0.0.1", "-n", "64", "-s", "16MiB", "-d", "1s"],
      /^--concurrency 64 with --size 16MiB needs 2052 MiB of buffers .*above load mode's budget of 256 MiB: lower --concurrency or the size$/,
    ],
    [
      ["127.0.0.1", "-n", "8", "-s", "16MiB", "-c", "8"],
      /^--concurrency 8 with --size 16MiB needs 257 MiB/,
    ],
    [
      ["127.0.0.1", "-n", "10000", "-s", "64KiB", "-c", "10"],
      /^--concurrency 10000 with --size 64KiB needs/,
    ],
  ];
  for (const [args, pattern] of cases) {
    await t.step(
      args.join(" ") || "(no HOST)",
      () => assertUsageThrows(() => parseClientArgs(args), pattern),
    );
  }
});

Deno.test("parseClientArgs() with a HOST alone leaves every option to the library's defaults", () => {
  assert.deepEqual(parseClientArgs(["127.0.0.1"]), {
    help: false,
    series: { hostname: "127.0.0.1" },
    load: undefined,
    payloadFile: undefined,
    caFile: undefined,
    target: "127.0.0.1:3005",
    payloadName: undefined,
    quiet: false,
    json: false,
    maxLossPct: undefined,
  });
});

Deno.test("parseClientArgs() sets only the options given", () => {
  const { series } = parseClientArgs(["127.0.0.1", "--timeout", "1.5s"]);
  assert.deepEqual(series, { hostname: "127.0.0.1", timeoutMs: 1_500 });
  assert.ok(!("count" in series) && !("family" in series), "not given: not set to undefined");
});

Deno.test("parseClientArgs() turns each flag into its typed option", () => {
  const plan = parseClientArgs([
    "db.internal",
    "-p",
    "5432",
    "-c",
    "0",
    "-i",
    "200ms",
    "-w",
    "1m",
    "-t",
    "2s",
    "--until-ok",
    "--reuse",
    "--resolve",
    "-s",
    "1KiB",
    "--seed",
    "7",
    "-q",
    "--json",
    "--max-loss",
    "2.5",
  ]);
  assert.deepEqual(plan.series, {
    hostname: "db.internal",
    port: 5432,
    size: 1024,
    seed: 7,
    timeoutMs: 2_000,
    count: 0,
    intervalMs: 200,
    deadlineMs: 60_000,
    reuse: true,
    resolveEach: true,
    untilOk: true,
  });
  assert.equal(plan.target, "db.internal:5432");
  assert.deepEqual([plan.quiet, plan.json, plan.maxLossPct], [true, true, 2.5]);
  assert.equal(plan.load, undefined);
});

Deno.test("parseClientArgs() reads -4 and -6 as the address family", () => {
  assert.equal(parseClientArgs(["localhost", "-4"]).series.family, 4);
  assert.equal(parseClientArgs(["localhost", "--ipv6"]).series.family, 6);
  // A literal of the family asked for is no contradiction.
  assert.equal(parseClientArgs(["127.0.0.1", "-4"]).series.family, 4);
  assert.equal(parseClientArgs(["[::1]:3005", "-6"]).series.family, 6);
});

Deno.test("parseClientArgs() takes the port from HOST or --port, IPv6 in brackets or bare", () => {
  const bracketed = parseClientArgs(["[::1]:4000"]);
  assert.deepEqual(bracketed.series, { hostname: "::1", port: 4000 });
  assert.equal(bracketed.target, "[::1]:4000");
  assert.deepEqual(parseClientArgs(["::1", "--port", "4000"]).series, {
    hostname: "::1",
    port: 4000,
  });
  assert.equal(parseClientArgs(["127.0.0.1:4000", "-p", "4000"]).series.port, 4000);
  // An address whose last group could be a port is taken as written in brackets or with --port.
  assert.deepEqual(parseClientArgs(["[::1:3005]"]).series, { hostname: "::1:3005" });
  assert.deepEqual(parseClientArgs(["::1:3005", "-p", "4000"]).series, {
    hostname: "::1:3005",
    port: 4000,
  });
});

Deno.test("parseClientArgs() reads --payload kinds; the header names all but random", () => {
  const zeros = parseClientArgs(["127.0.0.1", "--payload", "zeros"]);
  assert.deepEqual(zeros.series.payload, { kind: "zeros" });
  assert.equal(zeros.payloadName, "zeros");
  const hex = parseClientArgs(["127.0.0.1", "--payload", "hex:C0FFEE"]);
  assert.deepEqual(hex.series.payload, parsePayload("hex:C0FFEE"));
  assert.equal(hex.payloadName, "hex:C0FFEE");
  const random = parseClientArgs(["127.0.0.1", "--payload", "random"]);
  assert.equal(random.payloadName, undefined);
});

Deno.test("parseClientArgs() leaves an @FILE payload to be read when the client runs", () => {
  const file = parseClientArgs(["127.0.0.1", "--payload", "@probe.bin"]);
  assert.equal(file.payloadFile, "probe.bin");
  assert.equal(file.payloadName, "@probe.bin");
  assert.ok(!("payload" in file.series) && !("size" in file.series));
  assert.equal(parseClientArgs(["127.0.0.1", "--payload", "@-"]).payloadFile, "-");
});

Deno.test("parseClientArgs() turns --concurrency, --duration and --rate into load mode", () => {
  const plan = parseClientArgs(
    ["127.0.0.1", "-n", "4", "-d", "2s", "-r", "100.5", "--reuse", "-c", "7"],
  );
  assert.deepEqual(plan.load, { concurrency: 4, durationMs: 2_000, count: 7, rate: 100.5 });
  assert.equal(plan.series.reuse, true);
  assert.deepEqual(parseClientArgs(["127.0.0.1", "-d", "1s"]).load, {
    concurrency: 1,
    durationMs: 1_000,
  });
  assert.deepEqual(parseClientArgs(["127.0.0.1", "-n", "8", "-c", "100"]).load, {
    concurrency: 8,
    count: 100,
  });
});

Deno.test("parseClientArgs() with --help needs no HOST", () => {
  const plan = parseClientArgs(["--help"]);
  assert.equal(plan.help, true);
  assert.equal(parseClientArgs(["-h"]).help, true);
});

Deno.test("parseClientArgs() with --help ignores the values of other flags", () => {
  assert.equal(parseClientArgs(["--help", "--max-loss", "x"]).help, true);
  assert.equal(parseClientArgs(["--max-loss", "x", "-h", "--count", "x", "::1:20005"]).help, true);
});

Deno.test("parseClientArgs() reads --count 0 in load mode as no count: until Ctrl-C", () => {
  assert.deepEqual(parseClientArgs(["127.0.0.1", "-n", "2", "-c", "0"]).load, { concurrency: 2 });
  assert.deepEqual(parseClientArgs(["127.0.0.1", "-n", "2", "-c", "0", "-d", "1s"]).load, {
    concurrency: 2,
    durationMs: 1_000,
  });
});

Deno.test("parseClientArgs() takes the longest durations the timers hold, and load mode's budget", () => {
  const plan = parseClientArgs(["127.0.0.1", "-i", "596h", "-w", "596h", "-t", "596h"]);
  const hours = 596 * 3_600_000;
  assert.deepEqual(
    [plan.series.intervalMs, plan.series.deadlineMs, plan.series.timeoutMs],
    [hours, hours, hours],
  );
  assert.equal(parseClientArgs(["127.0.0.1", "-d", "596h"]).load?.durationMs, hours);
  assert.deepEqual(parseClientArgs(["127.0.0.1", "-n", "7", "-s", "16MiB", "-d", "1s"]).load, {
    concurrency: 7,
    durationMs: 1_000,
  });
  assert.equal(
    parseClientArgs(["127.0.0.1", "-n", "10000", "-s", "8KiB", "-c", "1"]).load?.concurrency,
    10_000,
  );
});

Deno.test("parseClientArgs() reads --attempt-delay, and a switch given twice is the same as once", () => {
  assert.equal(
    parseClientArgs(["localhost", "--attempt-delay", "100ms"]).series.attemptDelayMs,
    100,
  );
  const plan = parseClientArgs(["127.0.0.1", "--json", "--json", "-q", "--quiet"]);
  assert.deepEqual([plan.json, plan.quiet], [true, true]);
});

Deno.test("parseClientArgs() refuses TLS and connect-only flags that cannot apply", async (t) => {
  const cases: [string[], RegExp][] = [
    [
      ["127.0.0.1", "--connect-only", "--reuse", "-s", "9"],
      /^--connect-only sends nothing: leave out --reuse, --size$/,
    ],
    [
      ["127.0.0.1", "--connect-only", "--payload", "zeros", "--seed", "1"],
      /leave out --payload, --seed$/,
    ],
    [
      ["127.0.0.1", "--pin-sha256", "abc"],
      /^Invalid --pin-sha256 "abc": expected a SHA-256 fingerprint/,
    ],
    [["127.0.0.1", "--sni", "10.0.0.7"], /^Invalid --sni "10\.0\.0\.7": expected a DNS name/],
    [["127.0.0.1", "--sni", "bad name"], /^Invalid --sni "bad name"/],
    [
      ["127.0.0.1", "--ca", "-", "--payload", "@-"],
      /^Only one of --payload @- and --ca - can read standard input$/,
    ],
  ];
  for (const [args, pattern] of cases) {
    await t.step(args.join(" "), () => assertUsageThrows(() => parseClientArgs(args), pattern));
  }
});

Deno.test("parseClientArgs() turns any TLS flag into TLS options; --ca is read when the client runs", () => {
  assert.equal(parseClientArgs(["127.0.0.1"]).series.tls, undefined);
  assert.deepEqual(parseClientArgs(["127.0.0.1", "--tls"]).series.tls, {});
  const ca = parseClientArgs(["127.0.0.1", "--ca", "ca.pem"]);
  assert.deepEqual([ca.series.tls, ca.caFile], [{}, "ca.pem"]);
  const pin = "ab".repeat(32);
  assert.deepEqual(
    parseClientArgs([
      "10.0.0.7",
      "--insecure-skip-verify",
      "--pin-sha256",
      pin,
      "--sni",
      "db.internal",
    ])
      .series.tls,
    {
      serverName: "db.internal",
      insecureSkipVerify: true,
      pinSha256: Array(32).fill("AB").join(":"),
    },
  );
});

Deno.test("parseClientArgs() reads --connect-only for a series and for load mode", () => {
  const series = parseClientArgs(["db.internal:5432", "--connect-only", "-c", "3"]);
  assert.deepEqual(series.series, {
    hostname: "db.internal",
    port: 5432,
    count: 3,
    connectOnly: true,
  });
  const load = parseClientArgs(["db.internal:5432", "--connect-only", "-n", "4", "-d", "1s"]);
  assert.deepEqual(load.load, { concurrency: 4, durationMs: 1_000, connectOnly: true });
});
