/**
 * `echoprobe server --udp [--tcp]` as it runs (cli/udp_server_run.ts): its lines go
 * through the same queues as TCP's (never waited for, drops counted), its stop on
 * every signal, and its metrics.
 */
import assert from "node:assert/strict";
import {
  CliServer,
  hasCommand,
  LineReader,
  MAIN,
  promtoolCheckMetrics,
  RUN_FLAGS,
} from "./helpers.ts";
import { otherLoopback, TestSocket } from "./udp_helpers.ts";

/** The next line, or a failure after `ms` (a line that never comes fails the test, bounded). */
async function lineWithin(reader: LineReader, ms = 10_000): Promise<string | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      reader.line(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no line within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** GETs `/metrics` of a server's metrics listener. */
async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  return await response.text();
}

/** The value of one sample in a scrape, or `undefined`. */
function sample(metrics: string, name: string): number | undefined {
  const escaped = name.replace(/[{}"=]/g, "\\$&");
  const value = new RegExp(`^${escaped} (\\S+)$`, "m").exec(metrics)?.[1];
  return value === undefined ? undefined : Number(value);
}

Deno.test("server --udp: SIGHUP stops it gracefully, with its source line and its summary, exit 0", async () => {
  await using server = await CliServer.start(["--udp", "--host", "127.0.0.1", "--port", "0"]);
  await using client = new TestSocket();
  await client.send(new Uint8Array(10), server.port);
  await client.receive();
  const { code, stdout, stderr } = await server.stop("SIGHUP");
  assert.equal(code, 0);
  assert.equal(stderr, "udp 127.0.0.1 received=1 answered=1 bytes=10 refused=0\n");
  assert.match(stdout, /^echoprobe server stopped: udp received=1 answered=1 .* log_dropped=0\n$/);
});

Deno.test("server --udp --tcp: SIGHUP stops both, TCP's summary then UDP's, exit 0", async () => {
  await using server = await CliServer.start([
    "--udp",
    "--tcp",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
  ]);
  assert.match(await lineWithin(server.stdout) ?? "", /^echoprobe server listening on udp /);
  const { code, stdout, stderr } = await server.stop("SIGHUP");
  assert.equal(code, 0);
  assert.equal(stderr, "echoprobe server stopping: 0 connections open\n");
  assert.equal(
    stdout,
    "echoprobe server stopped: connections=0 rejected=0 records=0 bytes=0 log_dropped=0\n" +
      "echoprobe server stopped: udp received=0 answered=0 bytes=0 refused=0 too-large=0 source-port=0 not-allowed=0 source-rate=0 global-rate=0 send-errors=0 log_dropped=0\n",
  );
});

Deno.test("server --udp --tcp --metrics --tls: the ready lines in order, and the metrics of both", async () => {
  await using server = await CliServer.start([
    "--udp",
    "--tcp",
    "--tls",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--metrics",
    "127.0.0.1:0",
  ]);
  assert.match(server.readyLine, /^echoprobe server listening on 127\.0\.0\.1:\d+$/);
  const ready = [
    await lineWithin(server.stdout),
    await lineWithin(server.stdout),
    await lineWithin(server.stdout),
  ];
  assert.equal(ready[0], `echoprobe server listening on udp 127.0.0.1:${server.port}`);
  const metricsPort = Number(
    /^echoprobe server metrics on 127\.0\.0\.1:(\d+)$/.exec(ready[1]!)?.[1],
  );
  assert.ok(metricsPort > 0, ready[1]);
  assert.match(ready[2]!, /^echoprobe server tls: certificate sha256=/);
  await using client = new TestSocket();
  await client.send(new Uint8Array(251), server.port); // larger than --size: refused
  await client.send(new Uint8Array(5), server.port);
  await client.receive();
  const metrics = await scrape(metricsPort);
  assert.equal(sample(metrics, "echoprobe_server_connections_total"), 0);
  assert.equal(sample(metrics, "echoprobe_server_udp_datagrams_received_total"), 2);
  assert.equal(sample(metrics, "echoprobe_server_udp_datagrams_answered_total"), 1);
  assert.equal(
    sample(metrics, 'echoprobe_server_udp_datagrams_refused_total{reason="too-large"}'),
    1,
  );
  assert.equal(
    sample(metrics, 'echoprobe_server_udp_datagrams_refused_total{reason="source-rate"}'),
    0,
  );
  assert.equal(sample(metrics, "echoprobe_server_log_lines_dropped_total"), 0);
  if (hasCommand("promtool")) {
    assert.deepEqual(await promtoolCheckMetrics(metrics), { code: 0, stdout: "", stderr: "" });
  }
  assert.equal((await server.stop("SIGTERM")).code, 0);
});

Deno.test("server --udp --metrics: UDP alone serves its own metrics, without TCP's families", async () => {
  await using server = await CliServer.start([
    "--udp",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--metrics",
    "127.0.0.1:0",
  ]);
  const line = await lineWithin(server.stdout) ?? "";
  const metricsPort = Number(/^echoprobe server metrics on 127\.0\.0\.1:(\d+)$/.exec(line)?.[1]);
  assert.ok(metricsPort > 0, line);
  await using client = new TestSocket();
  await client.send(new Uint8Array(5), server.port);
  await client.receive();
  const metrics = await scrape(metricsPort);
  assert.equal(sample(metrics, "echoprobe_server_udp_datagrams_answered_total"), 1);
  assert.equal(sample(metrics, "echoprobe_server_udp_sources"), 1);
  assert.doesNotMatch(metrics, /echoprobe_server_connections_total/);
  const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
  assert.deepEqual([health.status, await health.text()], [200, "ok\n"]);
  assert.equal((await server.stop("SIGTERM")).code, 0);
});

Deno.test("server --udp with stderr a pipe nobody reads keeps answering, and counts the log lines it dropped", async () => {
  // A source line per source per millisecond into a stderr never read: the pipe fills
  // (64 KiB), then the line queue (256 KiB), then lines are dropped. A synchronous
  // write would block the server at the first full pipe: no datagram answered.
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...RUN_FLAGS,
      MAIN,
      "server",
      "--udp",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--udp-log-interval",
      "1ms",
      "--stats-interval",
      "1ms",
      // No rate limit in the way: a datagram not answered is a server that stalled.
      "--udp-rate",
      "1000000",
      "--udp-burst",
      "1000000",
      "--udp-global-rate",
      "1000000",
      "--udp-global-burst",
      "1000000",
      "--metrics",
      "127.0.0.1:0",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stdout = new LineReader(child.stdout);
  const sockets: TestSocket[] = [];
  let exited = false;
  try {
    const port = Number(/:(\d+)$/.exec(await lineWithin(stdout) ?? "")?.[1]);
    const metricsPort = Number(/:(\d+)$/.exec(await lineWithin(stdout) ?? "")?.[1]);
    assert.ok(port > 0 && metricsPort > 0);
    // 20 source addresses: 20 source lines a period.
    for (let i = 0; i < 20; i++) sockets.push(new TestSocket(otherLoopback()));
    const started = performance.now();
    let rounds = 0;
    let dropped = 0;
    while (dropped === 0 && performance.now() - started < 20_000) {
      for (let i = 0; i < 50; i++, rounds++) {
        await Promise.all(sockets.map(async (socket) => {
          await socket.send(new Uint8Array(8), port);
          await socket.receive(5_000); // a blocked server fails here
        }));
      }
      dropped = sample(await scrape(metricsPort), "echoprobe_server_log_lines_dropped_total")!;
    }
    assert.ok(dropped > 0, `no log line dropped after ${rounds} rounds`);
    // deno-lint-ignore no-console -- the measured figures belong in the test output
    console.log(
      `  ${rounds} rounds of 20 datagrams answered in ${
        Math.round(performance.now() - started)
      } ms; ${dropped} log lines dropped by then`,
    );
    child.kill("SIGTERM");
    const summary = await lineWithin(stdout) ?? "";
    const status = await child.status;
    exited = true;
    assert.equal(status.code, 0);
    const final = Number(/ log_dropped=(\d+)$/.exec(summary)?.[1]);
    assert.match(summary, /^echoprobe server stopped: udp received=\d+ /);
    assert.ok(final >= dropped, `${summary} counts at least the ${dropped} seen`);
  } finally {
    if (!exited) {
      child.kill("SIGKILL");
      await child.status;
    }
    for (const socket of sockets) await socket[Symbol.asyncDispose]();
    await stdout.rest();
    await child.stderr.cancel();
  }
});
