/**
 * `echoprobe server --udp` and `echoprobe client --udp` as users run them: ready lines,
 * per-source logs, summaries, exit codes; TCP and UDP on one port number.
 */
import assert from "node:assert/strict";
import { serveUdp } from "../lib/udp_server.ts";
import { CliServer, runCli } from "./helpers.ts";
import { FakeUdpServer, receiveCount, seqOf, TestSocket } from "./udp_helpers.ts";

Deno.test("server --udp echoes and logs each source once a period, not per datagram", async () => {
  await using server = await CliServer.start(["--udp", "--host", "127.0.0.1", "--port", "0"]);
  assert.match(server.readyLine, /^echoprobe server listening on udp 127\.0\.0\.1:\d+$/);
  await using client = new TestSocket();
  for (let i = 0; i < 5; i++) await client.send(new Uint8Array(100).fill(i), server.port);
  const echoes = await receiveCount(client, 5);
  assert.deepEqual(echoes.map((echo) => [echo.length, echo[99]]), [
    [100, 0],
    [100, 1],
    [100, 2],
    [100, 3],
    [100, 4],
  ]);
  await client.send(new Uint8Array(251), server.port); // larger than --size (250)
  await client.send(Uint8Array.of(7), server.port);
  await client.receive();
  // The period (10 s) has not ended: the stop logs it, one line for the seven datagrams.
  const { code, stdout, stderr } = await server.stop("SIGTERM");
  assert.equal(code, 0);
  assert.equal(stderr, "udp 127.0.0.1 received=7 answered=6 bytes=501 refused=1 too-large=1\n");
  assert.equal(
    stdout,
    "echoprobe server stopped: udp received=7 answered=6 bytes=501 refused=1 too-large=1 source-port=0 not-allowed=0 source-rate=0 global-rate=0 send-errors=0 log_dropped=0\n",
  );
});

Deno.test("server --udp --udp-log-interval logs each period's sources as it ends", async () => {
  await using server = await CliServer.start([
    "--udp",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--udp-log-interval",
    "100ms",
  ]);
  await using client = new TestSocket();
  await client.send(new Uint8Array(10), server.port);
  await client.receive();
  assert.equal(
    await server.stderr.line(),
    "udp 127.0.0.1 received=1 answered=1 bytes=10 refused=0",
  );
  await client.send(new Uint8Array(300), server.port);
  assert.equal(
    await server.stderr.line(),
    "udp 127.0.0.1 received=1 answered=0 bytes=0 refused=1 too-large=1",
    "the next period: quiet ones print nothing in between",
  );
  assert.equal((await server.stop()).code, 0);
});

Deno.test("server --udp --tcp serves both on the port --port 0 picked, in JSON lines", async () => {
  await using server = await CliServer.start([
    "--udp",
    "--tcp",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--json",
  ]);
  assert.deepEqual(JSON.parse(server.readyLine), {
    event: "listening",
    host: "127.0.0.1",
    port: server.port,
  });
  assert.deepEqual(JSON.parse(await server.stdout.line() ?? ""), {
    event: "listening",
    proto: "udp",
    host: "127.0.0.1",
    port: server.port,
  });
  const tcp = await runCli(["client", `127.0.0.1:${server.port}`, "-q"]);
  assert.equal(tcp.code, 0, tcp.stdout + tcp.stderr);
  const udp = await runCli([
    "client",
    `127.0.0.1:${server.port}`,
    "--udp",
    "-c",
    "2",
    "-i",
    "10ms",
    "-q",
  ]);
  assert.equal(udp.code, 0, udp.stdout + udp.stderr);
  const { code, stdout } = await server.stop("SIGINT");
  assert.equal(code, 0);
  const summaries = stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(summaries.map((line) => [line.event, line.proto]), [
    ["summary", undefined],
    ["summary", "udp"],
  ]);
  assert.equal(summaries[0].records, 1);
  assert.deepEqual([summaries[1].answered, summaries[1].refused], [2, 0]);
});

Deno.test("server --udp on a port in use is one line and exit 3", async () => {
  await using taken = new TestSocket();
  const output = await runCli([
    "server",
    "--udp",
    "--host",
    "127.0.0.1",
    "--port",
    String(taken.addr.port),
  ]);
  assert.equal(output.code, 3);
  assert.equal(
    output.stderr,
    `echoprobe: Cannot listen on "udp 127.0.0.1:${taken.addr.port}": address in use\n`,
  );
});

Deno.test("client --udp: a line per probe, ping-style statistics, exit 0", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
  const output = await runCli([
    "client",
    `127.0.0.1:${server.addr.port}`,
    "--udp",
    "-c",
    "3",
    "-i",
    "20ms",
    "--seed",
    "9",
  ]);
  assert.equal(output.code, 0, output.stderr);
  const port = server.addr.port;
  assert.match(
    output.stdout,
    new RegExp(
      [
        `^ECHOPROBE udp 127\\.0\\.0\\.1:${port}: 250-byte datagrams \\(20-byte header\\), random payload \\(seed 9\\)`,
        ...[1, 2, 3].map((seq) =>
          `250 bytes from 127\\.0\\.0\\.1:${port}: seq=${seq} time=[\\d.]+ ms local=0\\.0\\.0\\.0:\\d+`
        ),
        "",
        `--- udp 127\\.0\\.0\\.1:${port} echoprobe statistics ---`,
        "3 probes transmitted, 3 received, 0% loss, 0 duplicates, 0 reordered, 0 late, time \\d+ms",
        "rtt min/avg/max/mdev = [\\d./]+ ms",
        "rtt p50/p90/p99 = [\\d./]+ ms, jitter [\\d.]+ ms \\(RFC 3550\\)\n$",
      ].join("\n"),
    ),
  );
  assert.equal(output.stderr, "");
  assert.equal(server.stats().answered, 3);
});

Deno.test("client --udp with every probe lost exits 1; with --max-loss above the loss, 0", async () => {
  // Even probes get no reply.
  await using fake = new FakeUdpServer(async (datagram, _, reply) => {
    if (seqOf(datagram) % 2 === 1) await reply(datagram);
  });
  const args = [
    "client",
    `127.0.0.1:${fake.port}`,
    "--udp",
    "-c",
    "4",
    "-i",
    "10ms",
    "-t",
    "200ms",
  ];
  const lossy = await runCli([...args, "--json"]);
  assert.equal(lossy.code, 1);
  const lines = lossy.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(
    lines.filter((line) => line.type === "probe").map((line) => [line.seq, line.ok]).sort(),
    [[1, true], [2, false], [3, true], [4, false]],
  );
  assert.deepEqual([lines.at(-1).lossPct, lines.at(-1).lost], [50, 2]);
  assert.equal((await runCli([...args, "-q", "--max-loss", "50"])).code, 0);
  assert.equal((await runCli([...args, "-q", "--max-loss", "49"])).code, 1);
});

Deno.test("client --udp load mode: a rate for a duration, its intervals, one report, JSON", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
  const output = await runCli([
    "client",
    `127.0.0.1:${server.addr.port}`,
    "--udp",
    "--rate",
    "500",
    "--duration",
    "1400ms",
    "--timeout",
    "1s",
    "--json",
  ]);
  assert.equal(output.code, 0, output.stderr);
  const lines = output.stdout.trim().split("\n").map((line) => JSON.parse(line));
  const report = lines.pop();
  // As TCP load's: an object per second, then the rest, adding up to the report's totals.
  assert.deepEqual(lines.map((line) => [line.type, line.proto]), [
    ["interval", "udp"],
    ["interval", "udp"],
  ]);
  assert.equal(lines[0].startMs, 0);
  assert.equal(lines[1].startMs, lines[0].elapsedMs, "one after the other, no gap");
  assert.equal(lines[0].ok + lines[1].ok, report.ok);
  assert.deepEqual([report.type, report.proto, report.rate, report.failed], [
    "load",
    "udp",
    500,
    0,
  ]);
  assert.equal(report.ok, 700, "500/s for 1.4 s: the 700 probes of the schedule");
  for (const field of ["p50Ms", "p99Ms", "p999Ms", "maxMs", "jitterMs", "perSecond"]) {
    assert.equal(typeof report[field], "number", field);
  }
});

Deno.test("client --udp --payload @- sends the header, then standard input's bytes", async () => {
  const received: Uint8Array[] = [];
  await using fake = new FakeUdpServer(async (datagram, _, reply) => {
    received.push(datagram);
    await reply(datagram);
  });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--unstable-net",
      new URL("../main.ts", import.meta.url).pathname,
      "client",
      `127.0.0.1:${fake.port}`,
      "--udp",
      "--payload",
      "@-",
      "-q",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("firmware"));
  await writer.close();
  const output = await child.output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.equal(received.length, 1);
  assert.equal(received[0]!.length, 20 + 8);
  assert.equal(new TextDecoder().decode(received[0]!.subarray(20)), "firmware");
});
