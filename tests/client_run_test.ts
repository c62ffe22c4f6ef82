/**
 * cli/client_run.ts (and cli/udp_client_run.ts): how a client run ends when it is
 * interrupted (SIGINT, SIGTERM, SIGHUP), when its stdout is gone (`| head -1`) and when
 * its stdout fails (`> /dev/full`), as users see it.
 */
import assert from "node:assert/strict";
import { serve } from "../lib/server.ts";
import { serveUdp } from "../lib/udp_server.ts";
import {
  type CliOutput,
  CliProcess,
  closedPort,
  hasDevFull,
  LineReader,
  MAIN,
  RUN_FLAGS,
  waitFor,
} from "./helpers.ts";

/** Parses JSON lines. */
function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split("\n").map((line) => JSON.parse(line));
}

for (const signal of ["SIGTERM", "SIGHUP"] as const) {
  Deno.test(`client: ${signal} stops a --count 0 series as Ctrl-C does: the summary, exit 130`, async () => {
    await using server = serve({ hostname: "127.0.0.1", port: 0 });
    await using client = new CliProcess([
      "client",
      `127.0.0.1:${server.addr.port}`,
      "--count",
      "0",
      "--interval",
      "20ms",
      "--json",
    ]);
    // Two probe lines: the series is running, its listeners bound.
    assert.match(await client.stdout.line() ?? "", /"seq":1,/);
    assert.match(await client.stdout.line() ?? "", /"seq":2,/);
    const output = await client.stop(signal);
    assert.equal(output.code, 130, output.stderr);
    assert.equal(output.stderr, "");
    const summary = jsonLines(output.stdout).at(-1)!;
    assert.equal(summary.type, "summary");
    assert.ok((summary.transmitted as number) >= 2, `${summary.transmitted} probes`);
    assert.equal(summary.received, summary.transmitted);
  });

  Deno.test(`client load mode: ${signal} stops it with its report, exit 130`, async () => {
    await using server = serve({ hostname: "127.0.0.1", port: 0 });
    await using client = new CliProcess([
      "client",
      `127.0.0.1:${server.addr.port}`,
      "-n",
      "2",
      "-c",
      "0",
      "--reuse",
      "--json",
    ]);
    await waitFor(() => server.stats().records >= 200, "200 probes", 10_000);
    const output = await client.stop(signal);
    assert.equal(output.code, 130, output.stderr);
    const report = jsonLines(output.stdout).at(-1)!;
    assert.equal(report.type, "load");
    assert.ok((report.ok as number) >= 200, `${report.ok} probes`);
  });
}

Deno.test("client --udp: SIGTERM stops a --count 0 series with its summary, exit 130", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
  await using client = new CliProcess([
    "client",
    `127.0.0.1:${server.addr.port}`,
    "--udp",
    "-c",
    "0",
    "-i",
    "20ms",
    "--json",
  ]);
  assert.match(await client.stdout.line() ?? "", /"seq":1,/);
  const output = await client.stop("SIGTERM");
  assert.equal(output.code, 130, output.stderr);
  const summary = jsonLines(output.stdout).at(-1)!;
  assert.deepEqual([summary.type, summary.proto], ["summary", "udp"]);
});

/**
 * Runs `main.ts client ARGS` and plays `head -n 1`: reads its first line from the pipe,
 * then closes the pipe, as head does when it exits. Its output, and its exit code;
 * killed after `limitMs` (then `signal` is set).
 */
async function clientIntoHead(args: string[], limitMs = 10_000) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...RUN_FLAGS, MAIN, "client", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
  try {
    const reader = child.stdout.getReader();
    let text = "";
    const decoder = new TextDecoder();
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel(); // head exits: the read end of the pipe closes
    const [stderr, status] = await Promise.all([new LineReader(child.stderr).rest(), child.status]);
    return { stdout: text.slice(0, text.indexOf("\n") + 1), stderr, status };
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("client --count 0 | head -1: once head is gone the run stops, exit 130 as for a signal", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const { stdout, stderr, status } = await clientIntoHead([
    `127.0.0.1:${server.addr.port}`,
    "--count",
    "0",
    "--interval",
    "20ms",
  ]);
  // Before: the client went on probing for good, and was killed at the limit.
  assert.equal(status.signal, null, "ended by itself, not killed");
  assert.match(stdout, /^ECHOPROBE 127\.0\.0\.1:\d+: /);
  assert.equal(status.code, 130, stderr);
});

Deno.test("client --json load mode | head -1: once head is gone the run stops, exit 130", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const { stdout, stderr, status } = await clientIntoHead([
    `127.0.0.1:${server.addr.port}`,
    "-n",
    "2",
    "-c",
    "0",
    "--reuse",
    "--json",
  ]);
  assert.equal(status.signal, null, "ended by itself, not killed");
  assert.match(stdout, /^\{"type":"interval",/);
  assert.equal(status.code, 130, stderr);
});

Deno.test("client: a one-shot probe whose line was written keeps its exit code when stdout closes", async () => {
  // The probe's JSON line is head's one line; the summary after it meets a closed pipe
  // (or not yet, as head is quick or slow): the exit code is the probe's either way.
  const refused = await clientIntoHead([`127.0.0.1:${closedPort()}`, "--json"]);
  assert.match(refused.stdout, /^\{"type":"probe","seq":1,.*"code":"refused"/);
  assert.equal(refused.status.code, 1, refused.stderr);
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const ok = await clientIntoHead([`127.0.0.1:${server.addr.port}`, "--json"]);
  assert.match(ok.stdout, /^\{"type":"probe","seq":1,.*"ok":true/);
  assert.equal(ok.status.code, 0, ok.stderr);
});

/** Runs `main.ts client ARGS > /dev/full`, killed after 10 s. */
async function clientIntoDevFull(args: string[]): Promise<CliOutput & { killed: boolean }> {
  const output = await new Deno.Command("sh", {
    args: [
      "-c",
      'exec "$@" > /dev/full',
      "sh",
      Deno.execPath(),
      "run",
      ...RUN_FLAGS,
      MAIN,
      ...args,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(10_000),
  }).output();
  return {
    code: output.code,
    stdout: "",
    stderr: new TextDecoder().decode(output.stderr),
    killed: output.signal !== null,
  };
}

const FULL = "echoprobe: Cannot write to standard output: no space left on device\n";

Deno.test({
  name: "client > /dev/full: one line and exit 3, and the run ends, in every mode",
  ignore: !hasDevFull(),
  fn: async (t) => {
    await using server = serve({ hostname: "127.0.0.1", port: 0 });
    await using udp = serveUdp({ hostname: "127.0.0.1", port: 0 });
    const target = `127.0.0.1:${server.addr.port}`;
    const cases: [string, string[]][] = [
      ["a one-shot probe", [target]],
      ["--help", ["--help"]],
      ["a series on a kept connection", [target, "--reuse", "-c", "0", "-i", "20ms", "--json"]],
      ["a UDP series", [`127.0.0.1:${udp.addr.port}`, "--udp", "-c", "0", "-i", "20ms", "--json"]],
      ["load mode's intervals", [target, "-n", "2", "-c", "0", "--json"]],
      ["load mode's report", [target, "-n", "2", "-c", "50"]],
    ];
    for (const [name, args] of cases) {
      await t.step(name, async () => {
        const output = await clientIntoDevFull(["client", ...args]);
        assert.equal(output.killed, false, "ended by itself");
        assert.equal(output.stderr, FULL);
        assert.equal(output.code, 3);
      });
    }
  },
});
