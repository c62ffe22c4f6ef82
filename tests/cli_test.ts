import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import {
  assertUsageError,
  CliProcess,
  CliServer,
  closedPort,
  drain,
  MAIN,
  readRecord,
  runCli,
} from "./helpers.ts";

Deno.test("CLI: --help of each subcommand lists every flag with its default", async () => {
  const server = await runCli(["server", "--help"]);
  assert.equal(server.code, 0);
  for (
    const text of [
      "--host ADDR",
      "(default: 0.0.0.0)",
      "--port PORT",
      "(default: 3005)",
      "--size BYTES",
      "(default: 250)",
      "--timeout DURATION",
      "(default: 30s)",
      "--backlog N",
      "(default: 10)",
      "--grace DURATION",
      "(default: 5s)",
      "--stream",
      "--json",
      "Exit codes:",
    ]
  ) {
    assert.ok(server.stdout.includes(text), `server --help lacks "${text}"`);
  }
  const client = await runCli(["client", "-h"]);
  assert.equal(client.code, 0);
  for (
    const text of [
      "HOST[:PORT]",
      "--port PORT",
      "--size BYTES",
      "--timeout DURATION",
      "--count N",
      "(default: 1)",
      "--interval DURATION",
      "(default: 1s)",
      "--json",
    ]
  ) {
    assert.ok(client.stdout.includes(text), `client --help lacks "${text}"`);
  }
  const main = await runCli(["--help"]);
  assert.equal(main.code, 0);
  assert.match(main.stdout, /echoprobe server \[flags\]/);
  assert.match(main.stdout, /echoprobe client \[flags\] HOST\[:PORT\]/);
});

Deno.test("CLI: --help of each subcommand ends with its own exit codes", async (t) => {
  const cases: [string, string][] = [
    [
      "server",
      "Exit codes: 0 stopped by a signal (SIGINT, SIGTERM, SIGHUP), 2 usage error, 3 could not start\n",
    ],
    [
      "client",
      "Exit codes: 0 ok, 1 a check failed, 2 usage error, 3 could not start (or write stdout),\n" +
      "  130 interrupted (Ctrl-C, SIGTERM, SIGHUP, or stdout closed), after the summary\n",
    ],
    [
      "report",
      "Exit codes: 0 page written, 2 usage error (input unreadable or without probe results),\n" +
      "  3 could not write stdout\n",
    ],
    [
      "exporter",
      "Exit codes: 0 stopped by a signal (SIGINT, SIGTERM, SIGHUP), 2 usage error, 3 could not start\n",
    ],
  ];
  for (const [command, codes] of cases) {
    await t.step(command, async () => {
      const help = await runCli([command, "--help"]);
      assert.equal(help.code, 0, help.stderr);
      assert.ok(
        help.stdout.endsWith(`\n\n${codes}`),
        `${command} --help ends:\n${help.stdout.slice(-300)}`,
      );
    });
  }
});

Deno.test("CLI: --version prints the version of deno.json and the Deno it runs on", async () => {
  const output = await runCli(["--version"]);
  assert.equal(output.code, 0);
  assert.equal(
    output.stdout,
    `echoprobe ${denoJson.version} (deno ${Deno.version.deno}, ${Deno.build.target})\n`,
  );
});

Deno.test("CLI: no subcommand prints the help on stderr and exits 2", async () => {
  const output = await runCli([]);
  assert.equal(output.code, 2);
  assert.equal(output.stdout, "");
  assert.match(output.stderr, /^echoprobe \d+\.\d+\.\d+: /);
});

// Each flag's errors are unit cases of parseServerArgs() and parseClientArgs()
// (server_args_test.ts, client_args_test.ts); these are what users see of them.
Deno.test("CLI: bad input gives one line naming the problem and exit 2", async (t) => {
  const cases: [string[], RegExp][] = [
    [
      ["frobnicate"],
      /Unknown command "frobnicate": expected server, client, report, exporter, completions, help or version/,
    ],
    [["server", "--port", "70000"], /Invalid --port "70000": expected a whole number from 0 to/],
    [["server", "--bogus"], /Unknown flag "--bogus" \(see "echoprobe server --help"\)/],
    [["client"], /Missing HOST \(see "echoprobe client --help"\)/],
    [["client", "127.0.0.1", "--count=-1"], /Invalid --count "-1"/],
    // The file is read when the client runs (cli/client_run.ts), not by the parser.
    [
      ["client", "127.0.0.1", "--payload", "@/etc/hostname"],
      /needs read permission: run with --allow-read/,
    ],
    // What a user types by mistake is named as such, not as Deno's or the system's error.
    [["server", "--host", "[::1"], /^echoprobe: Invalid --host "\[::1": expected an IP address/],
    [["server", "--grace", "-1s"], /Invalid --grace "-1s": expected a duration above zero/],
    [["client", "127.0.0.1", "--port", "-1"], /Invalid --port "-1": expected a whole number/],
    [["client", "::1:20005"], /Invalid host "::1:20005": expected \[::1\]:20005 for an IPv6/],
    [["client", "999.1.1.1"], /Invalid host "999\.1\.1\.1": expected an IPv4 address/],
    [["client", "127.0.0.1", "-c", "3", "-c", "5"], /Flag "--count" given twice \("3", "5"\)/],
    [
      ["client", "127.0.0.1", "-i", "597h", "-c", "3"],
      /Invalid --interval "597h": .* at most 596h/,
    ],
    [["server", "--stats-interval", "597h"], /Invalid --stats-interval "597h": .* at most 596h/],
    [
      ["client", "127.0.0.1", "--concurrency", "64", "--size", "16MiB", "--duration", "1s"],
      /--concurrency 64 with --size 16MiB needs 2052 MiB of buffers/,
    ],
  ];
  for (const [args, pattern] of cases) {
    await t.step(args.join(" "), async () => assertUsageError(await runCli(args), pattern));
  }
});

Deno.test("CLI: --help wins over a bad value of another flag", async () => {
  for (
    const args of [["server", "--help", "--port", "x"], ["client", "--help", "--max-loss", "x"]]
  ) {
    const output = await runCli(args);
    assert.equal(output.code, 0, output.stderr);
    assert.match(output.stdout, /^Usage: echoprobe /, args.join(" "));
  }
});

Deno.test("CLI: --payload @DIR says it is a directory, not the system's words", async () => {
  const dir = new URL("./fixtures", import.meta.url).pathname;
  const output = await runCli(["client", "127.0.0.1", "--payload", `@${dir}`], {
    permissions: [`--allow-read=${dir}`],
  });
  assertUsageError(output, /Cannot read --payload "@.*fixtures": it is a directory, not a file$/);
});

Deno.test("CLI: load mode refuses a payload from standard input past its buffer budget", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      MAIN,
      "client",
      "127.0.0.1",
      "-n",
      "64",
      "-d",
      "1s",
      "--payload",
      "@-",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new Uint8Array(16 << 20));
  await writer.close();
  const output = await child.output();
  const decoder = new TextDecoder();
  assertUsageError(
    {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    },
    /--concurrency 64 with --payload "@-" \(16777216 bytes\) needs 2052 MiB of buffers/,
  );
});

Deno.test("CLI: a server exchanges with a client, logs the connection, and stops on SIGTERM", async () => {
  await using server = await CliServer.start(["--host", "127.0.0.1", "--port", "0"]);
  assert.match(server.readyLine, /^echoprobe server listening on 127\.0\.0\.1:\d+$/);
  const client = await runCli(["client", `127.0.0.1:${server.port}`]);
  assert.equal(client.code, 0, client.stderr);
  const lines = client.stdout.split("\n");
  assert.match(lines[0]!, new RegExp(`^ECHOPROBE 127\\.0\\.0\\.1:${server.port}: 250 bytes, `));
  assert.match(
    lines[1]!,
    new RegExp(`^250 bytes from 127\\.0\\.0\\.1:${server.port}: seq=1 time=\\d+\\.?\\d* ms `),
  );
  assert.equal(lines[2], "");
  assert.equal(lines[3], `--- 127.0.0.1:${server.port} echoprobe statistics ---`);
  assert.match(lines[4]!, /^1 probes transmitted, 1 received, 0% loss, 0 drops, time \d+ms$/);
  assert.equal(client.stderr, "");
  const closeLine = await server.stderr.line();
  assert.match(
    closeLine ?? "",
    /^closed 127\.0\.0\.1:\d+ records=1 bytes=250 duration=[\d.]+ms reason=eof$/,
  );
  const stopped = await server.stop("SIGTERM");
  assert.equal(stopped.code, 0);
  assert.equal(
    stopped.stdout,
    "echoprobe server stopped: connections=1 rejected=0 records=1 bytes=250 log_dropped=0\n",
  );
});

Deno.test("CLI: the server logs every connection, in order, before its summary (2>&1)", async () => {
  // stdout and stderr into one pipe, as `echoprobe server 2>&1 | tee log` has them. The
  // log lines are written in batches; 1,000 of them pass the 64 KiB batch limit.
  await using server = new CliProcess(["server", "--host", "127.0.0.1", "--port", "0"], {
    stderrToStdout: true,
  });
  const port = Number(/:(\d+)$/.exec((await server.stdout.line()) ?? "")?.[1]);
  const clientPorts: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    using conn = await Deno.connect({ hostname: "127.0.0.1", port });
    clientPorts.push(conn.localAddr.port);
    await conn.write(new Uint8Array(250).fill(i % 256));
    assert.equal((await readRecord(conn, 250)).length, 250);
  }
  // The last connection's line is out once the server saw that connection end.
  const closed: number[] = [];
  while (closed.length < clientPorts.length) {
    const line = await server.stdout.line();
    const match = /^closed 127\.0\.0\.1:(\d+) records=1 bytes=250 /.exec(line ?? "");
    assert.ok(match, `expected a "closed" line, got ${line}`);
    closed.push(Number(match[1]));
  }
  assert.deepEqual(closed, clientPorts);
  const stopped = await server.stop("SIGINT");
  assert.deepEqual(stopped.stdout.trimEnd().split("\n"), [
    "echoprobe server stopping: 0 connections open",
    "echoprobe server stopped: connections=1000 rejected=0 records=1000 bytes=250000 log_dropped=0",
  ]);
  assert.equal(stopped.code, 0);
});

Deno.test("CLI: SIGINT closes an idle connection with reason shutdown and exits 0", async () => {
  await using server = await CliServer.start(["--host", "127.0.0.1", "--port", "0", "--json"]);
  assert.match(server.readyLine, /^\{"event":"listening","host":"127.0.0.1","port":\d+\}$/);
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await conn.write(new Uint8Array(250).fill(1));
  await readRecord(conn, 250); // the server has accepted it and is idle on it
  const stopped = await server.stop("SIGINT");
  await drain(conn);
  assert.equal(stopped.code, 0);
  const events = stopped.stderr.trimEnd().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(events[0], { event: "stopping", active: 1 });
  assert.equal(events[1].event, "close");
  assert.equal(events[1].reason, "shutdown");
  assert.equal(events[1].records, 1);
  assert.equal(typeof events[1].durationMs, "number");
  assert.deepEqual(JSON.parse(stopped.stdout), {
    event: "summary",
    connections: 1,
    rejected: 0,
    records: 1,
    bytes: 250,
    logDropped: 0,
  });
});

Deno.test("CLI: the server closes a stalled connection at --timeout", async () => {
  await using server = await CliServer.start(["--host", "127.0.0.1", "--port", "0", "-t", "200ms"]);
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await conn.write(new Uint8Array(10));
  await drain(conn);
  assert.match(await server.stderr.line() ?? "", /records=0 bytes=0 .* reason=timeout$/);
});

Deno.test("CLI: a port in use is one line and exit 3", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = taken.addr.port;
  const output = await runCli(["server", "--host", "127.0.0.1", "--port", String(port)]);
  assert.equal(output.code, 3);
  assert.equal(output.stdout, "");
  assert.equal(output.stderr, `echoprobe: Cannot listen on "127.0.0.1:${port}": address in use\n`);
});

Deno.test("CLI: the client reports a refused connection, where, and exits 1", async () => {
  const port = closedPort();
  const text = await runCli(["client", "127.0.0.1", "--port", String(port)]);
  assert.equal(text.code, 1);
  assert.equal(text.stdout.split("\n")[1], `seq=1 127.0.0.1:${port} connection refused`);
  assert.match(
    text.stdout,
    /\n1 probes transmitted, 0 received, 100% loss, .*\nerrors: refused=1\n$/,
  );
  const json = await runCli(["client", `127.0.0.1:${port}`, "--json"]);
  assert.equal(json.code, 1);
  const [probe, summary, ...rest] = json.stdout.trimEnd().split("\n").map((line) =>
    JSON.parse(line)
  );
  assert.equal(rest.length, 0);
  assert.match(probe.timestamp, /^\d{4}-\d\d-\d\dT/);
  delete probe.timestamp;
  assert.equal(typeof probe.error.attempts?.[0]?.ms, "number");
  delete probe.error.attempts[0].ms;
  assert.deepEqual(probe, {
    type: "probe",
    seq: 1,
    ok: false,
    error: {
      code: "refused",
      message: "Connection refused",
      host: "127.0.0.1",
      address: "127.0.0.1",
      port,
      attempts: [{ address: "127.0.0.1", error: "refused" }],
      phase: "connect",
    },
  });
  assert.equal(summary.type, "summary");
  assert.equal(summary.transmitted, 1);
  assert.equal(summary.received, 0);
  assert.equal(summary.lossPct, 100);
  assert.equal(summary.minMs, null);
  assert.deepEqual(summary.errors, { refused: 1 });
});

Deno.test("CLI: --count probes --interval apart, one JSON object each", async () => {
  await using server = await CliServer.start(["--host", "127.0.0.1", "--port", "0"]);
  const output = await runCli([
    "client",
    "localhost",
    "--port",
    String(server.port),
    "--count",
    "3",
    "--interval",
    "10ms",
    "--size",
    "1KiB",
    "--json",
  ]);
  assert.equal(output.code, 0, output.stderr);
  const lines = output.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
  const probes = lines.slice(0, -1);
  assert.deepEqual(probes.map((probe) => probe.seq), [1, 2, 3]);
  assert.equal(lines.at(-1).type, "summary");
  for (const probe of probes) {
    assert.equal(probe.ok, true);
    assert.equal(probe.host, "localhost");
    assert.equal(probe.address, "127.0.0.1");
    assert.equal(probe.port, server.port);
    assert.equal(probe.bytes, 1024);
    assert.match(probe.local, /^127\.0\.0\.1:\d+$/);
    for (const field of ["resolveMs", "connectMs", "firstByteMs", "echoMs", "timeMs", "totalMs"]) {
      assert.equal(typeof probe[field], "number", field);
    }
  }
});

Deno.test("CLI: --stats-interval prints snapshots; --log none silences connection logs", async () => {
  await using server = await CliServer.start([
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--log",
    "none",
    "--stats-interval",
    "50ms",
  ]);
  {
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(new Uint8Array(250));
    await readRecord(conn, 250);
  }
  // Snapshots come every 50 ms. Every line read must be one; read them until one
  // counts the closed connection (at most 100: 5 s of snapshots).
  const snapshot =
    /^stats active=(\d+) inflight=\d+ connections=(\d+) rejected=0 records=\d+ bytes=\d+ records_s=\d+ bytes_s=\d+ rss_kib=\d+ heap_kib=\d+ log_dropped=0$/;
  let line: string | undefined;
  for (let i = 0; i < 100; i++) {
    line = await server.stderr.line();
    const match = snapshot.exec(line ?? "");
    assert.ok(match, `expected a stats line, got ${JSON.stringify(line)}`);
    if (match[1] === "0" && match[2] === "1") break;
  }
  assert.match(
    line ?? "",
    /^stats active=0 inflight=0 connections=1 rejected=0 records=1 bytes=250 records_s=\d+ bytes_s=\d+ rss_kib=\d+ heap_kib=\d+ log_dropped=0$/,
  );
  const stopped = await server.stop("SIGTERM");
  assert.ok(!/closed|stopping/.test(stopped.stderr), "no connection logs with --log none");
});

Deno.test("CLI: connections past --max-connections are logged as rejected", async () => {
  await using server = await CliServer.start([
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--max-connections",
    "1",
  ]);
  using held = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await held.write(new Uint8Array(250));
  await readRecord(held, 250);
  {
    using extra = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await drain(extra);
  }
  assert.match(
    await server.stderr.line() ?? "",
    /^rejected 127\.0\.0\.1:\d+ reason=max-connections$/,
  );
});
