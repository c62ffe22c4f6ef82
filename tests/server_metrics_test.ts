/**
 * `echoprobe server --metrics`: the server's counters as Prometheus text, `/healthz`,
 * and the second ready line, from the formatter to the running CLI.
 */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { renderMetrics } from "../cli/metrics_text.ts";
import { serverFamilies, serverMetricsHandler } from "../cli/server_metrics.ts";
import type { ServerStats } from "../lib/serve_options.ts";
import type { UdpServerStats } from "../lib/udp_server.ts";
import {
  CliServer,
  closedPort,
  hasCommand,
  promtoolCheckMetrics,
  readRecord,
  runCli,
} from "./helpers.ts";

const HAS_PROMTOOL = hasCommand("promtool");

const STATS: ServerStats = {
  connections: 12,
  rejected: 3,
  records: 40,
  bytes: 10_050,
  active: 2,
  inFlight: 1,
  rejectedBy: { "max-connections": 1, "max-per-ip": 2, "not-allowed": 0 },
  closedBy: { eof: 8, timeout: 1, reset: 1, error: 0, shutdown: 0, limit: 0 },
};

Deno.test("serverFamilies() gives the totals as counters, what is open as gauges", () => {
  const text = renderMetrics(serverFamilies(STATS, 5, 2_097_152, 1_700_000_000_000));
  assert.equal(
    text.split("\n").filter((line) => line.startsWith("# TYPE")).join("\n"),
    [
      "# TYPE echoprobe_server_connections_total counter",
      "# TYPE echoprobe_server_connections_active gauge",
      "# TYPE echoprobe_server_connections_in_flight gauge",
      "# TYPE echoprobe_server_connections_rejected_total counter",
      "# TYPE echoprobe_server_connections_closed_total counter",
      "# TYPE echoprobe_server_records_total counter",
      "# TYPE echoprobe_server_echoed_bytes_total counter",
      "# TYPE echoprobe_server_log_lines_dropped_total counter",
      "# TYPE echoprobe_build_info gauge",
      "# TYPE process_resident_memory_bytes gauge",
      "# TYPE process_start_time_seconds gauge",
    ].join("\n"),
  );
  assert.deepEqual(text.split("\n").filter((line) => line !== "" && !line.startsWith("#")), [
    "echoprobe_server_connections_total 12",
    "echoprobe_server_connections_active 2",
    "echoprobe_server_connections_in_flight 1",
    'echoprobe_server_connections_rejected_total{reason="max-connections"} 1',
    'echoprobe_server_connections_rejected_total{reason="max-per-ip"} 2',
    'echoprobe_server_connections_rejected_total{reason="not-allowed"} 0',
    'echoprobe_server_connections_closed_total{reason="eof"} 8',
    'echoprobe_server_connections_closed_total{reason="timeout"} 1',
    'echoprobe_server_connections_closed_total{reason="reset"} 1',
    'echoprobe_server_connections_closed_total{reason="error"} 0',
    'echoprobe_server_connections_closed_total{reason="shutdown"} 0',
    'echoprobe_server_connections_closed_total{reason="limit"} 0',
    "echoprobe_server_records_total 40",
    "echoprobe_server_echoed_bytes_total 10050",
    "echoprobe_server_log_lines_dropped_total 5",
    `echoprobe_build_info{version="${denoJson.version}",deno="${Deno.version.deno}"} 1`,
    "process_resident_memory_bytes 2097152",
    "process_start_time_seconds 1700000000",
  ]);
});

const UDP_STATS: UdpServerStats = {
  received: 100,
  answered: 60,
  bytes: 6_000,
  refused: {
    "too-large": 1,
    "source-port": 2,
    "not-allowed": 3,
    "source-rate": 30,
    "global-rate": 4,
  },
  sendErrors: 5,
  sources: 7,
};

Deno.test("serverFamilies() with a UDP server adds its counts, its refusals by reason; UDP alone has none of TCP's", () => {
  const samples = (text: string) =>
    text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
  const udpSamples = [
    "echoprobe_server_udp_datagrams_received_total 100",
    "echoprobe_server_udp_datagrams_answered_total 60",
    "echoprobe_server_udp_echoed_bytes_total 6000",
    'echoprobe_server_udp_datagrams_refused_total{reason="too-large"} 1',
    'echoprobe_server_udp_datagrams_refused_total{reason="source-port"} 2',
    'echoprobe_server_udp_datagrams_refused_total{reason="not-allowed"} 3',
    'echoprobe_server_udp_datagrams_refused_total{reason="source-rate"} 30',
    'echoprobe_server_udp_datagrams_refused_total{reason="global-rate"} 4',
    "echoprobe_server_udp_send_errors_total 5",
    "echoprobe_server_udp_sources 7",
  ];
  const both = samples(renderMetrics(serverFamilies(STATS, 5, 2_097_152, 0, UDP_STATS)));
  const tcpOnly = samples(renderMetrics(serverFamilies(STATS, 5, 2_097_152, 0)));
  const at = tcpOnly.indexOf("echoprobe_server_log_lines_dropped_total 5");
  assert.deepEqual(both, [...tcpOnly.slice(0, at), ...udpSamples, ...tcpOnly.slice(at)]);
  const udpOnly = samples(renderMetrics(serverFamilies(undefined, 5, 2_097_152, 0, UDP_STATS)));
  assert.deepEqual(udpOnly, [...udpSamples, ...tcpOnly.slice(at)]);
});

Deno.test("serverMetricsHandler() answers /healthz 200 while the server accepts, then 503", async () => {
  let accepting = true;
  const handle = serverMetricsHandler({
    stats: () => STATS,
    accepting: () => accepting,
    logLinesDropped: () => 0,
    log: () => {},
  });
  const answer = async (path: string) => {
    const response = handle(new Request(`http://127.0.0.1${path}`));
    return [response.status, await response.text()];
  };
  assert.deepEqual(await answer("/healthz"), [200, "ok\n"]);
  accepting = false;
  assert.deepEqual(await answer("/healthz"), [503, "stopping\n"]);
  assert.deepEqual(await answer("/probe"), [404, "Not found: /probe (see /metrics, /healthz)\n"]);
  const metrics = handle(new Request("http://127.0.0.1/metrics"));
  assert.equal(metrics.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  assert.match(await metrics.text(), /^echoprobe_server_connections_total 12$/m);
});

/** GETs the server's metrics endpoint `path`. */
async function get(port: number, path: string) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

Deno.test("server --metrics: a second ready line with the real port, and counters that move", async () => {
  await using server = await CliServer.start([
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--metrics",
    "127.0.0.1:0",
  ]);
  assert.match(server.readyLine, /^echoprobe server listening on 127\.0\.0\.1:\d+$/);
  const second = await server.stdout.line() ?? "";
  const metricsPort = Number(/^echoprobe server metrics on 127\.0\.0\.1:(\d+)$/.exec(second)?.[1]);
  assert.ok(metricsPort > 0 && metricsPort !== server.port, second);
  {
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(new Uint8Array(250).fill(7));
    assert.equal((await readRecord(conn, 250)).length, 250);
  }
  assert.match(await server.stderr.line() ?? "", /reason=(eof|reset)$/, "the close is counted");
  const { status, body } = await get(metricsPort, "/metrics");
  assert.equal(status, 200);
  assert.match(body, /^echoprobe_server_connections_total 1$/m);
  assert.match(body, /^echoprobe_server_records_total 1$/m);
  assert.match(body, /^echoprobe_server_echoed_bytes_total 250$/m);
  assert.match(body, /^echoprobe_server_connections_active 0$/m);
  assert.match(body, /^echoprobe_server_log_lines_dropped_total 0$/m);
  assert.match(body, /^process_resident_memory_bytes [1-9]\d+$/m);
  if (HAS_PROMTOOL) {
    assert.deepEqual(await promtoolCheckMetrics(body), { code: 0, stdout: "", stderr: "" });
  }
  assert.deepEqual(await get(metricsPort, "/healthz"), { status: 200, body: "ok\n" });
  const output = await server.stop("SIGTERM");
  assert.equal(output.code, 0, output.stderr);
  await assert.rejects(get(metricsPort, "/healthz"), "the metrics listener is closed too");
});

Deno.test("server --metrics --json: the metrics line is a JSON event after the listening one", async () => {
  await using server = await CliServer.start([
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--metrics",
    "127.0.0.1:0",
    "--json",
  ]);
  assert.match(server.readyLine, /^\{"event":"listening","host":"127\.0\.0\.1","port":\d+\}$/);
  const event = JSON.parse(await server.stdout.line() ?? "");
  assert.deepEqual(Object.keys(event), ["event", "host", "port"]);
  assert.deepEqual([event.event, event.host], ["metrics", "127.0.0.1"]);
  assert.equal((await get(event.port, "/healthz")).status, 200);
});

Deno.test("server --metrics on an address in use: one line naming --metrics and exit 3, the echo listener closed", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const echoPort = closedPort();
  // Were the echo listener left open, the process would not end (killed after 10 s).
  const output = await runCli([
    "server",
    "--host",
    "127.0.0.1",
    "--port",
    String(echoPort),
    "--metrics",
    `127.0.0.1:${taken.addr.port}`,
  ], { signal: AbortSignal.timeout(10_000) });
  assert.equal(output.code, 3);
  assert.equal(output.stdout, "", "no ready line");
  assert.equal(
    output.stderr,
    `echoprobe: Cannot listen on --metrics "127.0.0.1:${taken.addr.port}": address in use\n`,
  );
});

Deno.test("server --udp --metrics on an address in use, with and without --tcp: one line naming --metrics, exit 3", async (t) => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  for (const args of [["--udp"], ["--udp", "--tcp"]]) {
    await t.step(args.join(" "), async () => {
      const output = await runCli([
        "server",
        ...args,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--metrics",
        `127.0.0.1:${taken.addr.port}`,
      ], { signal: AbortSignal.timeout(10_000) });
      assert.equal(output.code, 3);
      assert.equal(output.stdout, "", "no ready line");
      assert.equal(
        output.stderr,
        `echoprobe: Cannot listen on --metrics "127.0.0.1:${taken.addr.port}": address in use\n`,
      );
    });
  }
});
