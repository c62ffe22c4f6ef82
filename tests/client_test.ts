/** The client's options over loopback: the CLI as users run it, and the library under it. */
import assert from "node:assert/strict";
import { ProbeError } from "../lib/errors.ts";
import { Prober } from "../lib/probe.ts";
import { probeSeries } from "../lib/series.ts";
import { serve } from "../lib/server.ts";
import {
  CliProcess,
  closedPort,
  envWithout,
  FakeServer,
  hasCommand,
  hasIpv6Loopback,
  MAIN,
  readRecord,
  runCli,
  shellQuote,
  waitFor,
} from "./helpers.ts";

/** Parses JSON lines; the last one must be the summary. */
function jsonLines(stdout: string) {
  const lines = stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
  const summary = lines.pop();
  assert.equal(summary.type, "summary");
  assert.ok(lines.every((line) => line.type === "probe"));
  return { probes: lines, summary };
}

/** A fake echo server that records what each connection sent. */
function recordingServer(size = 250) {
  const received: Uint8Array[] = [];
  const server = new FakeServer(async (conn) => {
    const bytes = await readRecord(conn, size);
    received.push(bytes.slice());
    await conn.write(bytes);
  });
  return { server, received };
}

Deno.test("client --count 0 runs until SIGINT, then prints the summary and exits 130", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  await using client = new CliProcess([
    "client",
    `127.0.0.1:${server.addr.port}`,
    "--count",
    "0",
    "--interval",
    "20ms",
  ]);
  assert.match(await client.stdout.line() ?? "", /^ECHOPROBE /);
  assert.match(await client.stdout.line() ?? "", /seq=1 /);
  assert.match(await client.stdout.line() ?? "", /seq=2 /);
  const output = await client.stop("SIGINT");
  assert.equal(output.code, 130, output.stderr);
  assert.match(output.stdout, /--- 127\.0\.0\.1:\d+ echoprobe statistics ---\n/);
  const transmitted = Number(/(\d+) probes transmitted, (\d+) received/.exec(output.stdout)?.[1]);
  assert.ok(transmitted >= 2);
  assert.match(
    output.stdout,
    new RegExp(`${transmitted} probes transmitted, ${transmitted} received, 0% loss`),
  );
});

Deno.test("client --deadline stops a --count 0 run by itself", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const started = performance.now();
  const output = await runCli([
    "client",
    `127.0.0.1:${server.addr.port}`,
    "-c",
    "0",
    "-i",
    "20ms",
    "--deadline",
    "300ms",
    "--json",
  ]);
  assert.ok(performance.now() - started >= 300);
  assert.equal(output.code, 0, output.stderr);
  const { probes, summary } = jsonLines(output.stdout);
  assert.ok(probes.length >= 3, `${probes.length} probes in 300ms at 20ms apart`);
  assert.equal(summary.transmitted, probes.length);
  assert.equal(summary.received, probes.length);
  assert.ok(summary.durationMs >= 300);
});

Deno.test("client counts a probe that --deadline cuts short as transmitted and lost, and says why", async () => {
  await using fake = new FakeServer(async (conn, released) => {
    await readRecord(conn, 250); // and never echo
    await released;
  });
  const target = `127.0.0.1:${fake.port}`;
  const args = ["client", target, "-c", "3", "-i", "100ms", "-w", "300ms", "--timeout", "5s"];
  const json = await runCli([...args, "--json"]);
  assert.equal(json.code, 1, json.stderr);
  const { probes, summary } = jsonLines(json.stdout);
  assert.equal(probes.length, 1);
  assert.equal(probes[0].ok, false);
  assert.deepEqual(
    [probes[0].error.code, probes[0].error.phase, probes[0].error.message],
    ["timeout", "echo", "Deadline of 300ms reached waiting for echo (0/250 bytes back)"],
  );
  assert.deepEqual(
    [summary.transmitted, summary.received, summary.lossPct, summary.errors],
    [1, 0, 100, { timeout: 1 }],
  );
  const text = await runCli(args);
  assert.equal(text.code, 1, text.stderr);
  assert.match(
    text.stdout,
    new RegExp(
      `\nseq=1 ${target} deadline of 300ms reached waiting for echo \\(0/250 bytes back\\) local=127\\.0\\.0\\.1:\\d+\n`,
    ),
  );
  assert.match(text.stdout, /\n1 probes transmitted, 0 received, 100% loss/);
  assert.match(text.stdout, /errors: timeout=1\n$/);
});

Deno.test("client --until-ok waits for a server to come up, then exits 0", async () => {
  const port = closedPort();
  await using client = new CliProcess([
    "client",
    `127.0.0.1:${port}`,
    "--count",
    "0",
    "--interval",
    "50ms",
    "--until-ok",
    "--deadline",
    "20s",
  ]);
  await client.stdout.line(); // header
  assert.equal(await client.stdout.line(), `seq=1 127.0.0.1:${port} connection refused`);
  await using _server = serve({ hostname: "127.0.0.1", port });
  const output = await client.finish();
  assert.equal(output.code, 0, output.stderr);
  const lines = output.stdout.split("\n");
  const ok = lines.filter((line) => line.startsWith("250 bytes from"));
  assert.equal(ok.length, 1, "stops at the first good probe");
  assert.match(output.stdout, /errors: refused=\d+\n$/);
});

Deno.test("client --until-ok exits 1 when the deadline passes with no good probe", async () => {
  const output = await runCli([
    "client",
    `127.0.0.1:${closedPort()}`,
    "-c",
    "0",
    "-i",
    "50ms",
    "--until-ok",
    "--deadline",
    "300ms",
    "--quiet",
  ]);
  assert.equal(output.code, 1);
  assert.match(
    output.stdout,
    /^--- 127\.0\.0\.1:\d+ echoprobe statistics ---\n\d+ probes transmitted, 0 received, 100% loss/,
  );
});

Deno.test("client --reuse keeps one connection, reconnects once when it drops, counts the drop", async () => {
  // A server that echoes 3 records per connection, then closes it.
  await using fake = new FakeServer(async (conn) => {
    for (let i = 0; i < 3; i++) await conn.write(await readRecord(conn, 250));
  });
  const output = await runCli([
    "client",
    `127.0.0.1:${fake.port}`,
    "--reuse",
    "-c",
    "5",
    "-i",
    "1ms",
    "--json",
  ]);
  assert.equal(output.code, 0, output.stdout);
  const { probes, summary } = jsonLines(output.stdout);
  assert.deepEqual(probes.map((probe) => probe.ok), [true, true, true, true, true]);
  assert.deepEqual(probes.map((probe) => probe.reused), [false, true, true, false, true]);
  const ports = probes.map((probe) => probe.local);
  assert.equal(new Set(ports.slice(0, 3)).size, 1);
  assert.equal(ports[3], ports[4]);
  assert.notEqual(ports[0], ports[3]);
  assert.equal(probes[1].connectMs, 0);
  assert.equal(summary.drops, 1);
  assert.equal(summary.received, 5);
});

Deno.test("client timings reflect a server that delays its echo by 100 ms", async () => {
  await using fake = new FakeServer(async (conn) => {
    const bytes = await readRecord(conn, 250);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the server's behaviour under test
    await conn.write(bytes);
  });
  const output = await runCli(["client", `127.0.0.1:${fake.port}`, "--json"]);
  assert.equal(output.code, 0);
  const [probe] = jsonLines(output.stdout).probes;
  assert.ok(probe.firstByteMs >= 95, `firstByteMs ${probe.firstByteMs}`);
  assert.ok(probe.echoMs >= probe.firstByteMs);
  assert.ok(probe.connectMs < 50, `connectMs ${probe.connectMs}`);
  assert.ok(Math.abs(probe.timeMs - (probe.connectMs + probe.echoMs)) < 0.01);
  assert.ok(probe.totalMs >= probe.timeMs);
});

Deno.test({
  name: "client -6 probes [::1], and -4 with an IPv6 literal is a usage error, before any probe",
  ignore: !hasIpv6Loopback(),
  async fn() {
    await using server = serve({ hostname: "::1", port: 0 });
    const six = await runCli(["client", "-6", `[::1]:${server.addr.port}`, "--json"]);
    assert.equal(six.code, 0, six.stdout);
    const [probe] = jsonLines(six.stdout).probes;
    assert.equal(probe.address, "::1");
    assert.match(probe.local, /^\[::1\]:\d+$/);
    const four = await runCli(["client", "-4", "::1", "--port", String(server.addr.port)]);
    assert.equal(four.code, 2, four.stderr);
    assert.match(four.stderr, /^echoprobe: -4 keeps to IPv4, but HOST "::1" is an IPv6 address/);
    assert.equal(server.stats().connections, 1, "only -6's probe");
  },
});

Deno.test("client -4 resolves localhost to 127.0.0.1", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const output = await runCli([
    "client",
    "-4",
    "localhost",
    "-p",
    String(server.addr.port),
    "--json",
  ]);
  assert.equal(output.code, 0, output.stdout);
  assert.equal(jsonLines(output.stdout).probes[0].address, "127.0.0.1");
});

Deno.test("Prober with resolveEach points out a changed address and follows it", async () => {
  await using first = serve({ hostname: "127.0.0.1", port: 0 });
  const port = first.addr.port;
  await using _second = serve({ hostname: "127.0.0.2", port });
  const answers = ["127.0.0.1", "127.0.0.1", "127.0.0.2"];
  await using prober = new Prober({
    hostname: "echo.test",
    port,
    resolveEach: true,
    resolver: (hostname, family) => {
      assert.equal(hostname, "echo.test");
      assert.equal(family, undefined);
      return Promise.resolve(answers.shift()!);
    },
  });
  const one = await prober.probe(1);
  const two = await prober.probe(2);
  const three = await prober.probe(3);
  assert.deepEqual([one.address, two.address, three.address], [
    "127.0.0.1",
    "127.0.0.1",
    "127.0.0.2",
  ]);
  assert.equal(two.previousAddress, undefined);
  assert.equal(three.previousAddress, "127.0.0.1");
  assert.equal(three.localAddress, "127.0.0.1", "loopback answers from 127.0.0.1");
});

Deno.test("a resolver failure is a failed probe with code 'resolve', not a crash", async () => {
  const series = probeSeries({
    hostname: "no-such-host.test",
    count: 2,
    intervalMs: 1,
    resolver: () =>
      Promise.reject(Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" })),
  });
  const outcomes = [];
  for await (const outcome of series) outcomes.push(outcome);
  assert.equal(outcomes.length, 2);
  for (const outcome of outcomes) {
    assert.equal(outcome.ok, false);
    if (outcome.ok) continue;
    assert.ok(outcome.error instanceof ProbeError);
    assert.equal(outcome.error.code, "resolve");
    assert.equal(outcome.error.message, 'Cannot resolve "no-such-host.test"');
  }
});

Deno.test("client --payload zeros, hex and a reproducible --seed reach the server as sent", async () => {
  const { server, received } = recordingServer();
  await using _ = server;
  const target = `127.0.0.1:${server.port}`;
  assert.equal((await runCli(["client", target, "--payload", "zeros"])).code, 0);
  assert.deepEqual(received[0], new Uint8Array(250));
  assert.equal((await runCli(["client", target, "--payload", "hex:C0FFEE"])).code, 0);
  assert.deepEqual(received[1]!.subarray(0, 6), Uint8Array.of(0xc0, 0xff, 0xee, 0xc0, 0xff, 0xee));
  const seeded = await runCli(["client", target, "--seed", "7"]);
  assert.match(seeded.stdout, /random payload \(seed 7\)/);
  await runCli(["client", target, "--seed", "7"]);
  await runCli(["client", target, "--seed", "8"]);
  assert.deepEqual(received[2], received[3]);
  assert.notDeepEqual(received[2], received[4]);
});

Deno.test("client --payload @FILE sends the file's bytes, its size the probe's", async () => {
  const path = new URL("./fixtures/payload.txt", import.meta.url).pathname;
  const content = await Deno.readFile(path);
  assert.equal(content.length, 360);
  const { server, received } = recordingServer(360);
  await using _ = server;
  const output = await runCli(
    ["client", `127.0.0.1:${server.port}`, "--payload", `@${path}`],
    { permissions: [`--allow-read=${path}`] },
  );
  assert.equal(output.code, 0, output.stdout + output.stderr);
  assert.match(output.stdout, /^ECHOPROBE .*: 360 bytes, /);
  assert.deepEqual(received[0], content);
});

Deno.test("client --max-loss decides the exit code by the loss percentage", async () => {
  // Every second connection gets its echo with one byte changed.
  let connections = 0;
  await using fake = new FakeServer(async (conn) => {
    const bytes = await readRecord(conn, 250);
    if (connections++ % 2 === 1) bytes[0] = bytes[0]! ^ 1;
    await conn.write(bytes);
  });
  const run = (...extra: string[]) =>
    runCli(["client", `127.0.0.1:${fake.port}`, "-c", "4", "-i", "1ms", "--json", ...extra]);
  const strict = await run();
  assert.equal(strict.code, 1);
  const { probes, summary } = jsonLines(strict.stdout);
  assert.equal(summary.lossPct, 50);
  assert.deepEqual(summary.errors, { mismatch: 2 });
  const failed = probes.find((probe) => !probe.ok);
  assert.equal(failed.error.code, "mismatch");
  assert.equal(failed.error.offset, 0);
  assert.equal(failed.error.differing, 1);
  assert.equal(failed.error.expected ^ failed.error.actual, 1);
  connections = 0;
  assert.equal((await run("--max-loss", "60")).code, 0);
  connections = 0;
  assert.equal((await run("--max-loss", "40")).code, 1);
});

Deno.test("client --quiet prints only the summary", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const output = await runCli([
    "client",
    `127.0.0.1:${server.addr.port}`,
    "-q",
    "-c",
    "3",
    "-i",
    "1ms",
  ]);
  assert.equal(output.code, 0);
  const lines = output.stdout.trimEnd().split("\n");
  assert.equal(lines[0], `--- 127.0.0.1:${server.addr.port} echoprobe statistics ---`);
  assert.match(lines[1]!, /^3 probes transmitted, 3 received, 0% loss/);
  assert.match(lines[2]!, /^time min\/avg\/max\/mdev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms$/);
  assert.match(lines[3]!, /^time p50\/p90\/p99 = [\d.]+\/[\d.]+\/[\d.]+ ms, jitter [\d.]+ ms$/);
  assert.equal(lines.length, 4);
  assert.ok(!output.stdout.includes("\x1b["));
});

Deno.test("client never colours a failure when stdout is piped, even without NO_COLOR", async () => {
  const output = await runCli(["client", `127.0.0.1:${closedPort()}`], {
    env: envWithout("NO_COLOR"),
  });
  assert.equal(output.code, 1);
  assert.match(output.stdout, /\nseq=1 \S+ connection refused\n/, "a failure that could be red");
  assert.match(output.stdout, /, 100% loss, /);
  assert.ok(!output.stdout.includes("\x1b["), JSON.stringify(output.stdout));
});

const HAS_SCRIPT = hasCommand("script");
if (!HAS_SCRIPT) {
  // deno-lint-ignore no-console -- a skipped test says why, where it is counted
  console.log("skipped: client colour on a terminal: no `script` (util-linux) to make one");
}

/** Runs the client under a pseudo-terminal (`script`), stdout as a person sees it. */
async function clientOnTerminal(args: string[], env: Record<string, string>) {
  const command = [Deno.execPath(), "run", "--allow-net", MAIN, "client", ...args]
    .map(shellQuote).join(" ");
  const output = await new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env,
    clearEnv: true,
  }).output();
  return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
}

Deno.test({
  name: "client colours a failure red on a terminal, unless NO_COLOR is set",
  ignore: !HAS_SCRIPT,
  async fn() {
    const port = closedPort();
    const colour = await clientOnTerminal([`127.0.0.1:${port}`], envWithout("NO_COLOR"));
    assert.equal(colour.code, 1, colour.stdout);
    // A terminal ends lines with \r\n.
    assert.ok(
      colour.stdout.includes(`\r\n\x1b[31mseq=1 127.0.0.1:${port} connection refused\x1b[0m\r\n`),
      JSON.stringify(colour.stdout),
    );
    assert.ok(colour.stdout.includes(", \x1b[31m100% loss\x1b[0m, "), colour.stdout);
    const plain = await clientOnTerminal([`127.0.0.1:${port}`], {
      ...envWithout("NO_COLOR"),
      NO_COLOR: "1",
    });
    assert.equal(plain.code, 1, plain.stdout);
    assert.ok(
      plain.stdout.includes(`\r\nseq=1 127.0.0.1:${port} connection refused\r\n`),
      plain.stdout,
    );
    assert.ok(!plain.stdout.includes("\x1b["), JSON.stringify(plain.stdout));
  },
});

Deno.test("client --json output is JSON lines on every path, field by field", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const port = server.addr.port;
  const output = await runCli([
    "client",
    "localhost",
    "-p",
    String(port),
    "-c",
    "2",
    "-i",
    "1ms",
    "--json",
    "--seed",
    "5",
  ]);
  assert.equal(output.code, 0);
  const { probes, summary } = jsonLines(output.stdout);
  const [probe] = probes;
  assert.deepEqual(Object.keys(probe), [
    "type",
    "seq",
    "timestamp",
    "ok",
    "host",
    "address",
    "port",
    "local",
    "bytes",
    "reused",
    "resolveMs",
    "connectMs",
    "firstByteMs",
    "echoMs",
    "timeMs",
    "totalMs",
    "attempts",
  ]);
  assert.deepEqual(probe.attempts.map((attempt: { address: string }) => attempt.address), [
    "127.0.0.1",
  ]);
  assert.ok(Math.abs(Date.parse(probe.timestamp) - Date.now()) < 60_000);
  assert.deepEqual(
    [probe.type, probe.seq, probe.ok, probe.host, probe.address, probe.port, probe.bytes],
    ["probe", 1, true, "localhost", "127.0.0.1", port, 250],
  );
  assert.deepEqual(Object.keys(summary), [
    "type",
    "target",
    "transmitted",
    "received",
    "lossPct",
    "drops",
    "minMs",
    "avgMs",
    "maxMs",
    "mdevMs",
    "p50Ms",
    "p90Ms",
    "p99Ms",
    "jitterMs",
    "errors",
    "durationMs",
    "seed",
  ]);
  assert.equal(summary.target, `localhost:${port}`);
  assert.equal(summary.seed, 5);
  assert.ok(summary.minMs <= summary.avgMs && summary.avgMs <= summary.maxMs);
  assert.ok(summary.minMs <= summary.p50Ms && summary.p99Ms <= summary.maxMs);
});

Deno.test("client --payload @- sends standard input, with no read permission", async () => {
  const { server, received } = recordingServer(300);
  await using _ = server;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      new URL("../main.ts", import.meta.url).pathname,
      "client",
      `127.0.0.1:${server.port}`,
      "--payload",
      "@-",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const content = new Uint8Array(300).map((_, i) => (i * 7) & 0xff);
  const writer = child.stdin.getWriter();
  await writer.write(content);
  await writer.close();
  const output = await child.output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.deepEqual(received[0], content);
});

/** A server that answers each record with its echo, then 5 bytes more in a write of their own. */
function echoPlusFive() {
  return new FakeServer(async (conn) => {
    for (;;) {
      const record = await readRecord(conn, 250);
      if (record.length < 250) return;
      await conn.write(record);
      await conn.write(Uint8Array.of(1, 2, 3, 4, 5));
    }
  });
}

Deno.test("client fails a probe whose echo comes with extra bytes, on a new connection", async () => {
  await using fake = echoPlusFive();
  const target = `127.0.0.1:${fake.port}`;
  const text = await runCli(["client", target]);
  assert.equal(text.code, 1, text.stdout);
  assert.match(
    text.stdout.split("\n")[1]!,
    new RegExp(
      `^seq=1 ${target} 5 bytes more than sent came back \\(255/250 bytes back\\) local=127\\.0\\.0\\.1:\\d+$`,
    ),
  );
  assert.match(text.stdout, /\nerrors: extra=1\n$/);
  const json = await runCli(["client", target, "--json"]);
  const { probes } = jsonLines(json.stdout);
  assert.deepEqual(
    [probes[0].ok, probes[0].error.code, probes[0].error.extraBytes, probes[0].error.bytesBack],
    [false, "extra", 5, 255],
  );
});

Deno.test("client --reuse charges extra bytes to the probe they followed, not as the next one's mismatch", async () => {
  await using fake = echoPlusFive();
  const output = await runCli([
    "client",
    `127.0.0.1:${fake.port}`,
    "--reuse",
    "-c",
    "3",
    "-i",
    "100ms",
    "--json",
  ]);
  assert.equal(output.code, 1, output.stdout);
  const { probes, summary } = jsonLines(output.stdout);
  assert.deepEqual(probes.map((probe) => [probe.seq, probe.error?.code]), [
    [1, "extra"],
    [2, "extra"],
    [3, "extra"],
  ]);
  assert.ok(probes.every((probe) => probe.error.extraBytes === 5));
  assert.deepEqual(summary.errors, { extra: 3 });
});

Deno.test("client failure lines say where: a timeout mid-echo has the address, port and local", async () => {
  await using fake = new FakeServer((_conn, released) => released);
  const target = `127.0.0.1:${fake.port}`;
  const text = await runCli(["client", target, "--timeout", "200ms"]);
  assert.equal(text.code, 1);
  assert.match(
    text.stdout.split("\n")[1]!,
    new RegExp(
      `^seq=1 ${target} timeout after 200ms waiting for echo \\(0/250 bytes back\\) local=127\\.0\\.0\\.1:\\d+$`,
    ),
  );
  const json = await runCli(["client", target, "--timeout", "200ms", "--json"]);
  const { error } = jsonLines(json.stdout).probes[0];
  assert.equal(error.code, "timeout");
  assert.deepEqual([error.host, error.address, error.port], ["127.0.0.1", "127.0.0.1", fake.port]);
  assert.match(error.local, /^127\.0\.0\.1:\d+$/);
});

Deno.test("client --interval 596h is honoured: one probe before a 300ms --deadline", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const started = performance.now();
  const output = await runCli([
    "client",
    `127.0.0.1:${server.addr.port}`,
    "-c",
    "3",
    "-i",
    "596h",
    "-w",
    "300ms",
    "--json",
  ]);
  assert.ok(performance.now() - started >= 300);
  assert.equal(output.code, 0, output.stderr);
  const { probes, summary } = jsonLines(output.stdout);
  assert.equal(probes.length, 1);
  assert.equal(summary.transmitted, 1);
});

Deno.test("client load mode with --count 0 runs until Ctrl-C, then reports and exits 130", async () => {
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
  await waitFor(() => server.stats().records >= 200, "200 probes");
  const output = await client.stop("SIGINT");
  assert.equal(output.code, 130, output.stderr);
  // The last line is the report; "interval" lines come before it, one a second.
  const lines = output.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.ok(lines.slice(0, -1).every((line) => line.type === "interval"), output.stdout);
  const report = lines.at(-1);
  assert.equal(report.type, "load");
  assert.ok(report.ok >= 200, `${report.ok} probes`);
  assert.equal(report.failed, 0);
});
