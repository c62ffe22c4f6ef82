/**
 * echoprobe with the real engine: a real Prometheus scrapes three echo servers on
 * 127.0.0.2, .3 and .4 (a good one, a stopped one, one that changes a byte) through
 * `echoprobe exporter`, with the README's scrape config; the README's alert rule
 * passes `promtool check rules`; Debian's blackbox_exporter probes
 * `echoprobe server --stream`. Prometheus and blackbox_exporter come from Debian's
 * `prometheus` and `prometheus-blackbox-exporter` packages (.ci/run installs them).
 */
import assert from "node:assert/strict";
import {
  CliExporter,
  CliServer,
  closedPort,
  FakeServer,
  hasCommand,
  LineReader,
  readRecord,
} from "./helpers.ts";

const README = new URL("../README.md", import.meta.url);
/** Debian's name for blackbox_exporter (`dpkg -L prometheus-blackbox-exporter`). */
const BLACKBOX = "prometheus-blackbox-exporter";
const missing = ["prometheus", "promtool", BLACKBOX].filter((name) => !hasCommand(name));
if (missing.length > 0) {
  // deno-lint-ignore no-console -- a skipped test says why, where it is counted
  console.log(
    `skipped: Prometheus tests: no ${missing.join(", ")} here ` +
      "(apt-get install prometheus prometheus-blackbox-exporter)",
  );
}
const HAS_PROMETHEUS = !missing.includes("prometheus") && !missing.includes("promtool");

/** The fenced ```yaml block of the README that contains `marker`. */
async function readmeYaml(marker: string): Promise<string> {
  const blocks = [...(await Deno.readTextFile(README)).matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((match) => match[1]!);
  const block = blocks.find((text) => text.includes(marker));
  assert.ok(block, `no yaml block with "${marker}" in README.md`);
  return block;
}

/** Replaces `from` with `to` in `text`, failing when the README no longer has `from`. */
function replaceAll(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the README's scrape config no longer has:\n${from}`);
  return text.replaceAll(from, to);
}

/**
 * A temporary directory, made and removed by `mktemp` and `rm` (the test task has no
 * write permission; the programs under test write there, not this process).
 */
class TempDir implements AsyncDisposable {
  private constructor(readonly path: string) {}

  static async make(): Promise<TempDir> {
    const output = await new Deno.Command("mktemp", { args: ["-d"], stdout: "piped" }).output();
    assert.ok(output.success);
    return new TempDir(new TextDecoder().decode(output.stdout).trim());
  }

  /** Writes `text` to `name` in the directory; returns the file's path. */
  async write(name: string, text: string): Promise<string> {
    const path = `${this.path}/${name}`;
    const child = new Deno.Command("sh", {
      args: ["-c", 'cat > "$0"', path],
      stdin: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(text));
    await writer.close();
    assert.ok((await child.status).success, `could not write ${path}`);
    return path;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await new Deno.Command("rm", { args: ["-rf", this.path] }).output();
  }
}

/** A program under test in a child process, its stderr kept for a failure's message. */
class Program implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly #stderr: Promise<string>;

  constructor(command: string, args: string[]) {
    this.child = new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#stderr = new LineReader(this.child.stderr).rest();
  }

  /** Its stderr so far is not known until it ends: this stops it and returns it. */
  async stop(): Promise<string> {
    try {
      this.child.kill("SIGTERM");
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // already exited
    }
    await this.child.status;
    return await this.#stderr;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * Polls `check` until it returns a value (not `undefined`), at most `timeoutMs`;
 * each try is an HTTP request, spaced by `pauseMs` so the machine is not flooded.
 */
async function poll<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  pauseMs = 100,
): Promise<T> {
  const started = performance.now();
  let last: unknown;
  for (let attempt = 0; performance.now() - started < timeoutMs; attempt++) {
    try {
      const value = await check();
      if (value !== undefined) return value;
      last = "not yet";
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last: ${last}`);
}

/** One series of an instant vector, as Prometheus's HTTP API gives it. */
interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Runs an instant PromQL query against Prometheus's HTTP API. */
async function query(prometheusPort: number, promql: string): Promise<VectorSample[]> {
  const url = `http://127.0.0.1:${prometheusPort}/api/v1/query?query=${encodeURIComponent(promql)}`;
  const response = await fetch(url);
  const body = await response.json();
  assert.equal(body.status, "success", JSON.stringify(body));
  return body.data.result;
}

/** The series of a result as `instance{label=...} value`, sorted, for asserting and showing. */
function rows(result: VectorSample[], labels: string[] = []): string[] {
  return result.map(({ metric, value }) => {
    const extra = labels.map((label) => `${label}="${metric[label]}"`).join(",");
    return `${metric.instance}${extra ? `{${extra}}` : ""} ${value[1]}`;
  }).sort();
}

Deno.test({
  name:
    "Prometheus scrapes three servers through the exporter: probe_success 1 / 0 refused / 0 mismatch",
  ignore: !HAS_PROMETHEUS,
  async fn() {
    await using temp = await TempDir.make();
    // 127.0.0.2: a good server. 127.0.0.3: a server that was stopped. 127.0.0.4: a
    // test double that changes byte 17 of every echo.
    await using good = await CliServer.start([
      "--host",
      "127.0.0.2",
      "--port",
      "0",
      "--metrics",
      "127.0.0.2:0",
      "--log",
      "none",
    ]);
    const goodMetrics = Number(/:(\d+)$/.exec(await good.stdout.line() ?? "")?.[1]);
    const stopped = await CliServer.start(["--host", "127.0.0.3", "--port", "0"]);
    const stoppedPort = stopped.port;
    // Killed, not SIGTERM: a SIGTERM right after the ready line can come before the
    // server listens for it (then it ends by the signal, 143, not by its graceful stop).
    await stopped[Symbol.asyncDispose]();
    await using corrupting = new FakeServer(async (conn) => {
      const bytes = await readRecord(conn, 250);
      if (bytes.length > 17) bytes[17]! ^= 0xff;
      await conn.write(bytes);
    }, "127.0.0.4");
    await using exporter = await CliExporter.start(["--listen", "127.0.0.1:0"]);

    const targets = [
      `127.0.0.2:${good.port}`,
      `127.0.0.3:${stoppedPort}`,
      `127.0.0.4:${corrupting.port}`,
    ];
    let config = await readmeYaml("job_name: echoprobe");
    config = replaceAll(config, "scrape_interval: 15s", "scrape_interval: 1s");
    config = replaceAll(
      config,
      "          - 10.0.0.7:3005\n          - 10.0.0.8:3005\n          - db.internal:3005\n",
      targets.map((target) => `          - ${target}\n`).join(""),
    );
    config = replaceAll(
      config,
      "          - 10.0.0.7:3007\n          - 10.0.0.8:3007\n",
      `          - 127.0.0.2:${goodMetrics}\n`,
    );
    config = replaceAll(config, "echoprobe-exporter:3006", `127.0.0.1:${exporter.port}`);
    const rules = await temp.write("alerts.yml", await readmeYaml("alert: EchoProbeFailing"));
    const configPath = await temp.write(
      "prometheus.yml",
      `global:\n  evaluation_interval: 1s\nrule_files:\n  - ${rules}\n${config}`,
    );
    const check = await new Deno.Command("promtool", {
      args: ["check", "config", configPath],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(
      check.success,
      new TextDecoder().decode(check.stdout) + new TextDecoder().decode(check.stderr),
    );

    // Prometheus cannot listen on port 0: a port that was free a moment ago.
    const port = closedPort();
    await using prometheus = new Program("prometheus", [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${temp.path}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ]);
    try {
      await poll("Prometheus to be ready", 30_000, async () => {
        const response = await fetch(`http://127.0.0.1:${port}/-/ready`);
        await response.body?.cancel();
        return response.ok ? true : undefined;
      });
      // The first scrapes: every target answered, the good one with 1.
      const expected = [
        `127.0.0.2:${good.port} 1`,
        `127.0.0.3:${stoppedPort} 0`,
        `127.0.0.4:${corrupting.port} 0`,
      ];
      const success = await poll("probe_success of the three targets", 60_000, async () => {
        const result = rows(await query(port, 'probe_success{job="echoprobe"}'));
        return JSON.stringify(result) === JSON.stringify(expected) ? result : undefined;
      });
      assert.deepEqual(success, expected);
      const errors = rows(await query(port, 'probe_error_info{job="echoprobe"}'), ["code"]);
      assert.deepEqual(errors, [
        `127.0.0.3:${stoppedPort}{code="refused"} 1`,
        `127.0.0.4:${corrupting.port}{code="mismatch"} 1`,
      ]);
      const bytes = rows(await query(port, 'probe_failed_due_to_bytes{job="echoprobe"}'));
      assert.deepEqual(bytes, [
        `127.0.0.2:${good.port} 0`,
        `127.0.0.3:${stoppedPort} 0`,
        `127.0.0.4:${corrupting.port} 1`,
      ]);
      const offset = rows(await query(port, "probe_echo_mismatch_offset_bytes"));
      assert.deepEqual(offset, [`127.0.0.4:${corrupting.port} 17`]);
      const received = rows(await query(port, "probe_echo_probes_received"));
      assert.deepEqual(received, [
        `127.0.0.2:${good.port} 3`,
        `127.0.0.3:${stoppedPort} 0`,
        `127.0.0.4:${corrupting.port} 0`,
      ]);
      const phases = rows(
        await query(port, `probe_tcp_duration_seconds{instance="127.0.0.2:${good.port}"}`),
        ["phase"],
      );
      assert.deepEqual(phases.map((row) => /phase="(\w+)"/.exec(row)?.[1]).sort(), [
        "connect",
        "echo",
        "first_byte",
        "resolve",
        "tls", // 0 without TLS, as blackbox's HTTP phase
      ]);
      // The alert of the README, loaded from it, is pending for the two failing targets.
      const alerts = await poll("the alert to be pending", 30_000, async () => {
        const result = rows(
          await query(port, 'ALERTS{alertname="EchoProbeFailing"}'),
          ["alertstate"],
        );
        return result.length === 2 ? result : undefined;
      });
      assert.deepEqual(alerts, [
        `127.0.0.3:${stoppedPort}{alertstate="pending"} 1`,
        `127.0.0.4:${corrupting.port}{alertstate="pending"} 1`,
      ]);
      // The server's own metrics, scraped by the second job.
      const served = await poll("the good server's metrics", 30_000, async () => {
        const result = await query(
          port,
          'echoprobe_server_connections_total{job="echoprobe-servers"} > 0',
        );
        return result.length === 1 ? rows(result) : undefined;
      });
      const up = rows(await query(port, 'up{job=~"echoprobe.*"}'), ["job"]);
      // deno-lint-ignore no-console -- the PromQL answers are the test's record
      console.log(
        [
          'probe_success{job="echoprobe"}',
          ...success,
          'probe_error_info{job="echoprobe"}',
          ...errors,
          'probe_failed_due_to_bytes{job="echoprobe"}',
          ...bytes,
          "probe_echo_mismatch_offset_bytes",
          ...offset,
          "probe_echo_probes_received",
          ...received,
          'ALERTS{alertname="EchoProbeFailing"}',
          ...alerts,
          'echoprobe_server_connections_total{job="echoprobe-servers"} > 0',
          ...served,
          'up{job=~"echoprobe.*"}',
          ...up,
        ].join("\n"),
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nprometheus said:\n${await prometheus.stop()}`, {
        cause: error,
      });
    }
  },
});

Deno.test({
  name: "promtool check rules passes on the README's alert rule",
  ignore: !HAS_PROMETHEUS,
  async fn() {
    await using temp = await TempDir.make();
    const rules = await temp.write("alerts.yml", await readmeYaml("alert: EchoProbeFailing"));
    const output = await new Deno.Command("promtool", {
      args: ["check", "rules", rules],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, said);
    assert.match(said, /SUCCESS: 1 rules found/);
    // The check is live: a rule without an expression is refused.
    const broken = await temp.write(
      "broken.yml",
      "groups:\n  - name: x\n    rules:\n      - alert: A\n",
    );
    const refused = await new Deno.Command("promtool", {
      args: ["check", "rules", broken],
      stdout: "null",
      stderr: "null",
    }).output();
    assert.notEqual(refused.code, 0);
  },
});

Deno.test({
  name:
    "interop: blackbox_exporter's tcp prober with a query_response step probes echoprobe server --stream",
  ignore: missing.includes(BLACKBOX),
  async fn() {
    await using temp = await TempDir.make();
    const config = await temp.write("blackbox.yml", await readmeYaml("prober: tcp"));
    await using server = await CliServer.start(["--host", "127.0.0.1", "--port", "0", "--stream"]);
    // The check is live: a server that answers another line fails the same module.
    await using liar = new FakeServer(async (conn) => {
      await conn.read(new Uint8Array(64));
      await conn.write(new TextEncoder().encode("something else\n"));
    });
    const port = closedPort();
    await using blackbox = new Program(BLACKBOX, [
      `--config.file=${config}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ]);
    const probe = async (target: string) => {
      const response = await fetch(`http://127.0.0.1:${port}/probe?module=echo&target=${target}`);
      return await response.text();
    };
    try {
      await poll("blackbox_exporter to answer", 30_000, async () => {
        const response = await fetch(`http://127.0.0.1:${port}/-/healthy`);
        await response.body?.cancel();
        return response.ok ? true : undefined;
      });
      const answer = await probe(`127.0.0.1:${server.port}`);
      assert.match(answer, /^probe_success 1$/m, answer);
      assert.match(answer, /^probe_failed_due_to_regex 0$/m);
      // "echoprobe interop\n" went through the server and back.
      assert.match(
        await server.stderr.line() ?? "",
        /^closed 127\.0\.0\.1:\d+ records=0 bytes=18 /,
      );
      const lie = await probe(`127.0.0.1:${liar.port}`);
      assert.match(lie, /^probe_success 0$/m, lie);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nblackbox said:\n${await blackbox.stop()}`, {
        cause: error,
      });
    }
  },
});
