/**
 * `echoprobe exporter` over HTTP, as Prometheus and curl see it: a child process on
 * loopback, its answers (TCP, UDP, TLS, connect-only), status codes, bounds and stop.
 * `promtool check metrics` (Debian's prometheus package, installed by .ci/run) lints
 * what it serves.
 */
import assert from "node:assert/strict";
import { serve } from "../lib/server.ts";
import { serverTls } from "../lib/tls_server.ts";
import { serveUdp } from "../lib/udp_server.ts";
import {
  CliExporter,
  closedPort,
  FakeServer,
  hasCommand,
  LineReader,
  MAIN,
  promtoolCheckMetrics,
  readRecord,
  runCli,
} from "./helpers.ts";
import { TestPki } from "./tls_fixtures.ts";

const pki = await TestPki.create();

const HAS_PROMTOOL = hasCommand("promtool");
if (!HAS_PROMTOOL) {
  // deno-lint-ignore no-console -- a skipped test says why, where it is counted
  console.log("skipped: promtool checks: no promtool here (apt-get install prometheus)");
}

/** GETs `url` and reads the whole answer. */
async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    body: await response.text(),
  };
}

/** The value of an unlabelled sample (or one with `labels` as written) in an exposition. */
function sample(text: string, name: string, labels = ""): number {
  const line = text.split("\n").find((row) => row.startsWith(`${name}${labels} `));
  assert.ok(line, `no ${name}${labels} in:\n${text}`);
  return Number(line.slice(line.lastIndexOf(" ") + 1));
}

Deno.test("exporter: /probe of a good server is probe_success 1 in the text format", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  await using exporter = await CliExporter.start(["--listen", "127.0.0.1:0"]);
  const answer = await get(
    exporter.url(`/probe?target=127.0.0.1:${server.addr.port}&count=3&interval=10ms`),
  );
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.type, "text/plain; version=0.0.4; charset=utf-8");
  assert.equal(sample(answer.body, "probe_success"), 1);
  assert.equal(sample(answer.body, "probe_echo_probes_received"), 3);
  assert.equal(sample(answer.body, "probe_ip_protocol"), 4);
  assert.ok(sample(answer.body, "probe_tcp_duration_seconds", '{phase="connect"}') > 0);
  assert.equal(server.stats().connections, 3, "three probes, a connection each");
});

Deno.test({
  name: "exporter: promtool check metrics passes on /probe (good, refused, mismatch) and /metrics",
  ignore: !HAS_PROMTOOL,
  async fn() {
    await using server = serve({ hostname: "127.0.0.1", port: 0 });
    await using corrupting = new FakeServer(async (conn) => {
      const bytes = await readRecord(conn, 250);
      bytes[5]! ^= 0x80;
      await conn.write(bytes);
    });
    await using exporter = await CliExporter.start(["--listen", "127.0.0.1:0"]);
    for (
      const target of [server.addr.port, closedPort(), corrupting.port].map((port) =>
        `127.0.0.1:${port}`
      )
    ) {
      const answer = await get(exporter.url(`/probe?target=${target}&count=2&interval=1ms`));
      assert.equal(answer.status, 200);
      const lint = await promtoolCheckMetrics(answer.body);
      assert.deepEqual(lint, { code: 0, stdout: "", stderr: "" }, `/probe?target=${target}`);
    }
    const own = await get(exporter.url("/metrics"));
    assert.deepEqual(await promtoolCheckMetrics(own.body), { code: 0, stdout: "", stderr: "" });
    // The linter is live: a counter without `_total` is reported.
    const bad = await promtoolCheckMetrics("# HELP x y\n# TYPE x counter\nx 1\n");
    assert.notEqual(bad.code, 0);
  },
});

Deno.test("exporter: a bad parameter is HTTP 400 with one line naming it, and nothing is probed", async () => {
  let connections = 0;
  await using fake = new FakeServer(async (conn) => {
    connections++;
    await conn.write(await readRecord(conn, 250));
  });
  await using exporter = await CliExporter.start(["--listen", "127.0.0.1:0"]);
  const cases: [string, string][] = [
    [`target=127.0.0.1:${fake.port}&size=0`, 'Invalid parameter size="0": expected a size'],
    [`target=127.0.0.1:${fake.port}&count=many`, 'Invalid parameter count="many"'],
    [`target=127.0.0.1:${fake.port}&module=tcp_connect`, 'Unknown parameter "module"'],
    ["count=3", "Missing parameter target: expected HOST:PORT"],
    ["target=::1:3005", 'Ambiguous parameter target="::1:3005": write [::1]:3005 for port 3005'],
  ];
  for (const [query, start] of cases) {
    const answer = await get(exporter.url(`/probe?${query}`));
    assert.equal(answer.status, 400, query);
    assert.equal(answer.type, "text/plain; charset=utf-8");
    assert.ok(answer.body.startsWith(start), answer.body);
    assert.equal(answer.body.split("\n").length, 2, `one line: ${answer.body}`);
  }
  const own = (await get(exporter.url("/metrics"))).body;
  assert.equal(sample(own, "echoprobe_exporter_requests_rejected_total", '{reason="invalid"}'), 5);
  assert.equal(sample(own, "echoprobe_exporter_probes_total", '{result="success"}'), 0);
  assert.equal(sample(own, "echoprobe_exporter_probes_total", '{result="failure"}'), 0);
  assert.equal(connections, 0, "no probe reached the target");
});

Deno.test("exporter: beyond --max-concurrent a probe gets 503 at once; the running one goes on", async () => {
  const hold = Promise.withResolvers<void>();
  await using fake = new FakeServer(async (conn, released) => {
    await readRecord(conn, 250); // and hold the echo until told
    await Promise.race([hold.promise, released]);
  });
  await using exporter = await CliExporter.start([
    "--listen",
    "127.0.0.1:0",
    "--max-concurrent",
    "1",
  ]);
  const first = get(exporter.url(`/probe?target=127.0.0.1:${fake.port}&timeout=10s`));
  await fake.accepted;
  const started = performance.now();
  const second = await get(exporter.url(`/probe?target=127.0.0.1:${fake.port}`));
  assert.ok(performance.now() - started < 1_000, "refused at once, not queued");
  assert.equal(second.status, 503);
  assert.equal(
    second.body,
    "Busy: 1 probe series running, the most at once (--max-concurrent 1)\n",
  );
  assert.equal((await get(exporter.url("/healthz"))).status, 200, "healthz still answers");
  hold.resolve(); // the held connection closes: the first probe ends short
  const answer = await first;
  assert.equal(answer.status, 200);
  assert.equal(sample(answer.body, "probe_success"), 0);
  assert.equal(sample(answer.body, "probe_error_info", '{code="short",phase="echo"}'), 1);
  const own = (await get(exporter.url("/metrics"))).body;
  assert.equal(sample(own, "echoprobe_exporter_requests_rejected_total", '{reason="busy"}'), 1);
  assert.equal(sample(own, "echoprobe_exporter_probes_total", '{result="failure"}'), 1);
});

Deno.test("exporter: the scrape timeout header, less the offset, bounds a probe that gets no echo", async () => {
  await using fake = new FakeServer(async (conn, released) => {
    await readRecord(conn, 250);
    await released;
  });
  await using exporter = await CliExporter.start(["--listen", "127.0.0.1:0"]);
  const target = `target=127.0.0.1:${fake.port}`;
  const started = performance.now();
  // No timeout parameter: the client's 30 s, capped by 0.8 s - 0.5 s.
  const answer = await get(exporter.url(`/probe?${target}`), {
    "X-Prometheus-Scrape-Timeout-Seconds": "0.8",
  });
  const elapsed = performance.now() - started;
  assert.equal(answer.status, 200);
  assert.equal(sample(answer.body, "probe_success"), 0);
  assert.equal(sample(answer.body, "probe_error_info", '{code="timeout",phase="echo"}'), 1);
  const duration = sample(answer.body, "probe_duration_seconds");
  assert.ok(duration >= 0.29 && duration < 0.6, `probe_duration_seconds ${duration}`);
  assert.ok(elapsed < 2_000, `answered after ${elapsed} ms`);
  // A header that leaves nothing after the offset is refused, naming it.
  const refused = await get(exporter.url(`/probe?${target}`), {
    "X-Prometheus-Scrape-Timeout-Seconds": "0.4",
  });
  assert.equal(refused.status, 400);
  assert.match(refused.body, /^Invalid header X-Prometheus-Scrape-Timeout-Seconds "0.4": /);
});

Deno.test("exporter: /healthz, the index, 404 for other paths, 405 for other methods", async () => {
  await using exporter = await CliExporter.start(["--listen", "127.0.0.1:0"]);
  assert.deepEqual(await get(exporter.url("/healthz")), {
    status: 200,
    type: "text/plain; charset=utf-8",
    body: "ok\n",
  });
  assert.match((await get(exporter.url("/"))).body, /\/probe\?target=HOST:PORT/);
  const missing = await get(exporter.url("/probes"));
  assert.deepEqual([missing.status, missing.body], [404, "Not found: /probes (see /)\n"]);
  const post = await fetch(exporter.url("/probe?target=127.0.0.1"), { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
});

Deno.test("exporter: SIGTERM cuts a running probe short (503), prints the summary and exits 0", async () => {
  await using fake = new FakeServer(async (conn, released) => {
    await readRecord(conn, 250);
    await released;
  });
  await using exporter = await CliExporter.start(["--listen", "127.0.0.1:0", "--json"]);
  const running = get(exporter.url(`/probe?target=127.0.0.1:${fake.port}`));
  await fake.accepted;
  exporter.child.kill("SIGTERM");
  const answer = await running;
  assert.deepEqual(
    [answer.status, answer.body],
    [503, "Stopping: the probe series was cut short\n"],
  );
  const output = await exporter.finish();
  assert.equal(output.code, 0, output.stderr);
  assert.equal(output.stdout, '{"event":"summary","success":0,"failure":0,"invalid":0,"busy":0}\n');
  assert.equal(output.stderr, "");
});

Deno.test("exporter: SIGTERM as soon as the ready line is out is still the graceful stop", async () => {
  // Before the signal listener was bound ahead of the ready line, about half of these
  // ended by the signal itself (exit 143, no summary).
  for (let run = 1; run <= 10; run++) {
    const exporter = await CliExporter.start(["--listen", "127.0.0.1:0"]);
    const output = await exporter.stop("SIGTERM");
    assert.equal(output.code, 0, `run ${run}: ${output.stderr}`);
    assert.match(output.stdout, /^echoprobe exporter stopped: success=0 /, `run ${run}`);
  }
});

Deno.test("exporter: an address in use is one line on stderr and exit 3", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const output = await runCli(["exporter", "--listen", `127.0.0.1:${taken.addr.port}`]);
  assert.equal(output.code, 3);
  assert.equal(output.stdout, "");
  assert.equal(
    output.stderr,
    `echoprobe: Cannot listen on "127.0.0.1:${taken.addr.port}": address in use\n`,
  );
});

Deno.test("exporter: proto=udp, tls=1 and connect_only=1 answer with their own series, promtool-clean", async () => {
  await using udp = serveUdp({ hostname: "127.0.0.1", port: 0 });
  const tls = await serverTls({ cert: pki.cert("good"), key: pki.key("good") });
  await using tlsServer = serve({ hostname: "127.0.0.1", port: 0, timeoutMs: 5_000, tls });
  const expired = await serverTls({ cert: pki.cert("expired"), key: pki.key("expired") });
  await using expiredServer = serve({ hostname: "127.0.0.1", port: 0, tls: expired });
  using silent = Deno.listen({ hostname: "127.0.0.1", port: 0 }); // never accepts, never echoes
  // The CA on standard input: the exporter reads it once, at start-up.
  await using exporter = await CliExporter.start(["--listen", "127.0.0.1:0", "--ca", "-"], {
    stdin: pki.ca,
  });
  const probe = async (query: string) => {
    const answer = await get(exporter.url(`/probe?${query}`));
    assert.equal(answer.status, 200, answer.body);
    if (HAS_PROMTOOL) {
      assert.deepEqual(await promtoolCheckMetrics(answer.body), {
        code: 0,
        stdout: "",
        stderr: "",
      });
    }
    return answer.body;
  };

  const overUdp = await probe(`target=127.0.0.1:${udp.addr.port}&proto=udp&count=3&interval=10ms`);
  assert.equal(sample(overUdp, "probe_success"), 1);
  assert.equal(sample(overUdp, "probe_echo_probes_received"), 3);
  assert.equal(sample(overUdp, "probe_echo_probes_lost"), 0);
  assert.equal(sample(overUdp, "probe_echo_duplicate_replies"), 0);
  assert.ok(sample(overUdp, "probe_echo_interarrival_jitter_seconds") >= 0);
  assert.ok(sample(overUdp, "probe_udp_duration_seconds", '{phase="rtt"}') > 0);
  assert.doesNotMatch(overUdp, /probe_tcp_duration_seconds|probe_echo_jitter_seconds/);
  assert.equal(udp.stats().answered, 3, "the probes went to the UDP server");

  const overTls = await probe(
    `target=localhost:${tlsServer.addr.port}&tls=1&count=2&interval=10ms`,
  );
  assert.equal(sample(overTls, "probe_success"), 1);
  assert.ok(sample(overTls, "probe_tcp_duration_seconds", '{phase="tls"}') > 0);
  const expiry = sample(overTls, "probe_ssl_earliest_cert_expiry");
  const daysLeft = (expiry - Date.now() / 1000) / 86_400;
  assert.ok(daysLeft > 29 && daysLeft <= 30, `${daysLeft} days left of 30`);
  assert.equal(sample(overTls, "probe_tls_version_info", '{version="TLS 1.3"}'), 1);
  assert.equal(sample(overTls, "probe_tls_verified", '{check="chain"}'), 1);
  assert.equal(sample(overTls, "probe_tls_verified", '{check="name"}'), 1);

  const refused = await probe(`target=localhost:${expiredServer.addr.port}&tls=1`);
  assert.equal(sample(refused, "probe_success"), 0);
  assert.equal(
    sample(refused, "probe_error_info", '{code="tls",phase="tls",reason="expired"}'),
    1,
  );
  assert.doesNotMatch(refused, /probe_ssl_earliest_cert_expiry/);

  const target = `target=127.0.0.1:${silent.addr.port}`;
  const connectOnly = await probe(`${target}&connect_only=1&count=2&interval=10ms`);
  assert.equal(sample(connectOnly, "probe_success"), 1);
  assert.ok(sample(connectOnly, "probe_tcp_duration_seconds", '{phase="connect"}') > 0);
  assert.equal(sample(connectOnly, "probe_tcp_duration_seconds", '{phase="first_byte"}'), 0);
  const echo = await probe(`${target}&timeout=100ms`);
  assert.equal(sample(echo, "probe_error_info", '{code="timeout",phase="echo"}'), 1);

  const refusedParam = await get(exporter.url(`/probe?${target}&proto=udp&tls=1`));
  assert.deepEqual(
    [refusedParam.status, refusedParam.body],
    [400, "Parameter tls does not go with proto=udp: it has no connection\n"],
  );
});

Deno.test("exporter: proto=udp without --unstable-net is 501 naming the flag; TCP still works", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", MAIN, "exporter", "--listen", "127.0.0.1:0"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stdout = new LineReader(child.stdout);
  const stderr = new LineReader(child.stderr);
  try {
    const line = await stdout.line() ?? "";
    const port = /:(\d+)$/.exec(line)?.[1];
    assert.ok(port, `no listening line: ${line}`);
    const url = (query: string) => `http://127.0.0.1:${port}/probe?${query}`;
    const udp = await get(url(`target=127.0.0.1:${server.addr.port}&proto=udp`));
    assert.deepEqual([udp.status, udp.body], [
      501,
      "proto=udp: UDP needs Deno's unstable network API: run with --unstable-net (deno run --allow-net --unstable-net main.ts ...)\n",
    ]);
    const tcp = await get(url(`target=127.0.0.1:${server.addr.port}`));
    assert.equal(sample(tcp.body, "probe_success"), 1);
    const own = (await get(`http://127.0.0.1:${port}/metrics`)).body;
    assert.equal(
      sample(own, "echoprobe_exporter_requests_rejected_total", '{reason="unsupported"}'),
      1,
    );
  } finally {
    child.kill("SIGTERM");
    await Promise.all([stdout.rest(), stderr.rest(), child.status]);
  }
});

Deno.test("exporter: a --ca it cannot read is one line naming it, exit 2, before it listens", async () => {
  const missing = await runCli([
    "exporter",
    "--listen",
    "127.0.0.1:0",
    "--ca",
    `${pki.dir}/none.pem`,
  ]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stdout, "");
  assert.match(
    missing.stderr,
    /^echoprobe: Reading ".*none\.pem" needs read permission: run with --allow-read, or give it on standard input: --ca - < ".*none\.pem"\n$/,
  );
  const notPem = await runCli(
    ["exporter", "--listen", "127.0.0.1:0", "--ca", `${pki.dir}/ca.key`],
    {
      permissions: [`--allow-read=${pki.dir}`],
    },
  );
  assert.equal(notPem.code, 2);
  assert.match(notPem.stderr, /^echoprobe: Invalid --ca ".*ca\.key": no PEM certificate in it\n$/);
});

Deno.test("the test certificates are removed after", async () => {
  await pki[Symbol.asyncDispose]();
});
