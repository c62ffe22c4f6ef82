/**
 * The reliability suite: the server under faults and hostile clients. Each case
 * checks that a well-behaved client is still served during and after the fault,
 * and that the server's open file descriptors return to their baseline.
 *
 * The server runs as users run it (a child process, JSON logs), so its memory and
 * descriptors are read from /proc. `SOAK=1` (`deno task soak`) runs the cases
 * longer and larger; every loop stays bounded in count and time.
 */
import assert from "node:assert/strict";
import { probe } from "../lib/probe.ts";
import { CliServer, drain, LineReader, readRecord } from "./helpers.ts";

const SOAK = Deno.env.get("SOAK") === "1";
const SCALE = {
  slowConnections: SOAK ? 1_000 : 200,
  floodExtra: SOAK ? 2_000 : 40,
  churn: SOAK ? 100_000 : 20_000,
  churnWarmUp: SOAK ? 200_000 : 40_000,
  pingPongSeconds: SOAK ? 120 : 20,
  unreadMegabytes: SOAK ? 1_000 : 200,
};

/**
 * Memory and descriptors of a process, from /proc. Deno asks for --allow-all to read
 * another process's /proc entries, so `sh` reads them (synchronously: no op left pending).
 */
function processState(pid: number) {
  const output = new Deno.Command("sh", {
    args: ["-c", `grep -E '^Vm(RSS|HWM):' /proc/${pid}/status && ls /proc/${pid}/fd | wc -l`],
    stdout: "piped",
  }).outputSync();
  const text = new TextDecoder().decode(output.stdout);
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1]);
  return {
    rssKiB: kib("VmRSS"),
    peakKiB: kib("VmHWM"),
    fds: Number(text.trim().split("\n").at(-1)),
  };
}

/**
 * A server child process with JSON logs (unless the caller gives its own `--log`), and a
 * reader of its events by kind.
 */
class Server implements AsyncDisposable {
  readonly process: CliServer;
  readonly closes: { reason: string; records: number; bytes: number }[] = [];
  readonly rejects: { reason: string }[] = [];
  #wake = () => {};
  #reading: Promise<void>;

  private constructor(process: CliServer) {
    this.process = process;
    this.#reading = (async () => {
      for (
        let line = await process.stderr.line();
        line !== undefined;
        line = await process.stderr.line()
      ) {
        const event = JSON.parse(line);
        if (event.event === "close") this.closes.push(event);
        if (event.event === "reject") this.rejects.push(event);
        this.#wake();
      }
    })();
  }

  static async start(args: string[]): Promise<Server> {
    // A flag given twice is refused: --log json only when the caller gives no --log.
    const log = args.includes("--log") ? [] : ["--log", "json"];
    return new Server(
      await CliServer.start(["--host", "127.0.0.1", "--port", "0", ...log, ...args]),
    );
  }

  get port(): number {
    return this.process.port;
  }

  get pid(): number {
    return this.process.child.pid;
  }

  /** Waits until `closes` connections have closed and `rejects` were rejected, in all. */
  async waitFor(closes: number, rejects = 0): Promise<void> {
    while (this.closes.length < closes || this.rejects.length < rejects) {
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  /** One normal exchange, as a well-behaved client: must succeed. */
  async assertServes(what: string): Promise<void> {
    const result = await probe({ hostname: "127.0.0.1", port: this.port, timeoutMs: 5_000 });
    assert.equal(result.bytes, 250, what);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.process.stop("SIGTERM");
    await this.#reading;
  }
}

/** Starts a server, makes one exchange (so lazily opened descriptors exist), reads the baseline. */
async function startWithBaseline(args: string[]) {
  const server = await Server.start(args);
  await server.assertServes("warm-up");
  await server.waitFor(1);
  const baseline = processState(server.pid);
  return { server, baseline };
}

Deno.test("reliability 1: slowloris connections time out; a normal client is served meanwhile", async () => {
  // A deeper backlog than the default 10: the test opens its connections back to back,
  // faster than Deno accepts them, and with a full queue the kernel drops the SYN (the
  // client retries after 1 s). That delay is not what this case is about.
  const { server, baseline } = await startWithBaseline(["--timeout", "1s", "--backlog", "512"]);
  await using _ = server;
  const slow: Deno.TcpConn[] = [];
  for (let i = 0; i < SCALE.slowConnections; i++) {
    slow.push(await Deno.connect({ hostname: "127.0.0.1", port: server.port }));
  }
  const open = new Set(slow);
  const closed = slow.map(async (conn) => {
    await drain(conn).catch((error) => {
      if (!(error instanceof Deno.errors.ConnectionReset)) throw error;
    });
    open.delete(conn);
  });
  // One byte every 100 ms on every open connection, until the server has closed them all.
  const byte = new Uint8Array([0x2a]);
  const trickle = setInterval(() => {
    for (const conn of open) conn.write(byte).catch(() => open.delete(conn));
  }, 100);
  try {
    await server.assertServes("during the slowloris");
    await Promise.all(closed);
  } finally {
    clearInterval(trickle);
    slow.forEach((conn) => conn.close());
  }
  await server.waitFor(2 + SCALE.slowConnections);
  const reasons = server.closes.slice(1).map((close) => close.reason);
  assert.equal(reasons.filter((reason) => reason === "timeout").length, SCALE.slowConnections);
  await server.assertServes("after the slowloris");
  await server.waitFor(3 + SCALE.slowConnections);
  assert.equal((processState(server.pid)).fds, baseline.fds);
});

Deno.test("reliability 2: a client that writes without reading cannot grow the server's memory", async () => {
  const { server, baseline } = await startWithBaseline(["--timeout", "1s"]);
  await using _ = server;
  const chunk = new Uint8Array(64 * 1024).fill(7);
  let written = 0;
  {
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    try {
      while (written < SCALE.unreadMegabytes * 1024 * 1024) written += await conn.write(chunk);
    } catch (error) {
      // The server closed the connection on us: what this case waits for.
      if (
        !(error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe)
      ) {
        throw error;
      }
    }
  }
  await server.waitFor(2);
  const after = processState(server.pid);
  const growthMiB = (after.peakKiB - baseline.rssKiB) / 1024;
  // deno-lint-ignore no-console -- the measured figures belong in the test output
  console.log(
    `  case 2: wrote ${(written / 1048576).toFixed(1)} MiB unread before the server stopped ` +
      `reading; server RSS ${baseline.rssKiB} KiB (peak so far ${baseline.peakKiB} KiB) -> ` +
      `peak ${after.peakKiB} KiB (at most +${
        growthMiB.toFixed(1)
      } MiB), fds ${baseline.fds} -> ${after.fds}`,
  );
  assert.equal(server.closes[1]?.reason, "timeout");
  assert.ok(written < SCALE.unreadMegabytes * 1024 * 1024, "the server stopped reading");
  assert.ok(growthMiB < 32, `RSS grew ${growthMiB.toFixed(1)} MiB`);
  await server.assertServes("after the unread writer");
  await server.waitFor(3);
  assert.equal((processState(server.pid)).fds, baseline.fds);
});

/** Runs python3 code that connects to `port`; resolves once it prints "ready". */
async function pythonClient(port: number, code: string) {
  const child = new Deno.Command("python3", {
    args: ["-c", `import socket, struct, sys, time\nport = ${port}\n${code}`],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  // Read stdout to its end, never close it early: a write into a closed pipe would end
  // the script (BrokenPipeError) before it resets its connection.
  const stdout = new LineReader(child.stdout);
  assert.equal(await stdout.line(), "ready");
  const exited = Promise.all([stdout.rest(), child.status]).then(([, status]) => status);
  return { kill: (signal: Deno.Signal) => child.kill(signal), status: exited };
}

Deno.test("reliability 3: resets mid-record (SO_LINGER 0, a killed client) are logged as reset", async () => {
  const { server, baseline } = await startWithBaseline([]);
  await using _ = server;
  const linger = await pythonClient(
    server.port,
    `s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"x" * 250)
assert len(s.recv(250, socket.MSG_WAITALL)) == 250  # served: accepted, reading the next record
s.sendall(b"x" * 100)
print("ready", flush=True)
time.sleep(0.2)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()`,
  );
  await linger.status;
  await server.waitFor(2);
  assert.equal(server.closes[1]?.reason, "reset");
  assert.equal(server.closes[1]?.records, 1);
  // A client killed with an unread echo in its buffer: the kernel resets the connection.
  const killed = await pythonClient(
    server.port,
    `s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"y" * 250)
time.sleep(0.2)  # the echo arrives and stays unread
s.sendall(b"z" * 100)
print("ready", flush=True)
time.sleep(60)`,
  );
  killed.kill("SIGKILL");
  await killed.status;
  await server.waitFor(3);
  assert.equal(server.closes[2]?.reason, "reset");
  assert.equal(server.closes[2]?.records, 1);
  await server.assertServes("after the resets");
  await server.waitFor(4);
  assert.equal((processState(server.pid)).fds, baseline.fds);
});

Deno.test("reliability 4: a half-closed client gets the echo of its partial record", async () => {
  const { server, baseline } = await startWithBaseline([]);
  await using _ = server;
  {
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    const sent = new Uint8Array(250 + 100).map((_, i) => i & 0xff);
    await conn.write(sent);
    await conn.closeWrite();
    assert.deepEqual(await readRecord(conn, 1000), sent);
  }
  await server.waitFor(2);
  assert.deepEqual(server.closes[1], {
    ...server.closes[1],
    reason: "eof",
    records: 1,
    bytes: 350,
  });
  await server.assertServes("after the half-close");
  await server.waitFor(3);
  assert.equal((processState(server.pid)).fds, baseline.fds);
});

Deno.test("reliability 5: a flood past --max-connections is turned away; the limit holds; it recovers", async () => {
  const limit = 20;
  const { server, baseline } = await startWithBaseline(["--max-connections", String(limit)]);
  await using _ = server;
  const held: Deno.TcpConn[] = [];
  try {
    for (let i = 0; i < limit; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      held.push(conn);
      await conn.write(new Uint8Array(250));
      await readRecord(conn, 250);
    }
    for (let i = 0; i < SCALE.floodExtra; i++) {
      using extra = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      await drain(extra);
    }
    await server.waitFor(1, SCALE.floodExtra);
    assert.ok(server.rejects.every((reject) => reject.reason === "max-connections"));
    const state = processState(server.pid);
    assert.ok(state.fds <= baseline.fds + limit, `${state.fds} fds for ${limit} connections`);
    for (const conn of held) {
      const sent = new Uint8Array(250).fill(9);
      await conn.write(sent);
      assert.deepEqual(await readRecord(conn, 250), sent, "held connections are still served");
    }
  } finally {
    held.forEach((conn) => conn.close());
  }
  await server.waitFor(1 + limit, SCALE.floodExtra);
  await server.assertServes("after the flood");
  await server.waitFor(2 + limit, SCALE.floodExtra);
  assert.equal((processState(server.pid)).fds, baseline.fds);
});

const ECHOLOAD_SOURCE = new URL("../../shared/bench/echoload.c", import.meta.url).pathname;
/** Why the cases that need echoload cannot run here, if they cannot. */
const NO_ECHOLOAD = (() => {
  try {
    Deno.statSync(ECHOLOAD_SOURCE);
    return false;
  } catch {
    // deno-lint-ignore no-console -- a skipped test says why, where it is counted
    console.log(`skipped: reliability 6 and 7: no load client source at ${ECHOLOAD_SOURCE}`);
    return true;
  }
})();
const BUILD_DIR = new URL("../.bench-build/", import.meta.url).pathname;

/** Builds ../shared/bench/echoload.c with gcc into .bench-build/ (ignored by git), once. */
let echoloadBuild: Promise<string> | undefined;
function buildEchoload(): Promise<string> {
  return echoloadBuild ??= (async () => {
    const binary = `${BUILD_DIR}echoload`;
    const output = await new Deno.Command("sh", {
      args: ["-c", `mkdir -p "${BUILD_DIR}" && gcc -O2 -o "${binary}" "${ECHOLOAD_SOURCE}"`],
      stderr: "piped",
    }).output();
    if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
    return binary;
  })();
}

/** Runs echoload (from ../shared/bench) and returns its key=value report. */
async function runEchoload(args: string[]): Promise<Record<string, string>> {
  const output = await new Deno.Command(await buildEchoload(), {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const report = new TextDecoder().decode(output.stdout).trim();
  assert.ok(
    output.success,
    `echoload ${args.join(" ")}: ${report} ${new TextDecoder().decode(output.stderr)}`,
  );
  return Object.fromEntries(report.split(" ").map((pair) => pair.split("=") as [string, string]));
}

Deno.test({
  name: "reliability 6: connection churn leaves descriptors and memory at their baseline",
  ignore: NO_ECHOLOAD,
}, async () => {
  const server = await Server.start(["--log", "none"]);
  await using _ = server;
  // Sequential connections (one loop) from 64 source addresses, so that TIME_WAIT
  // sockets do not use up 127.0.0.1's ephemeral ports for the tests after this one.
  const churn = async (connections: number) => {
    let done = 0;
    for (let run = 0; run < 60 && done < connections; run++) {
      done += Number(
        (await runEchoload(["conn", String(server.port), "1", "1", "--srcips", "64"])).ops,
      );
    }
    assert.ok(done >= connections, `${done} connections`);
    return done;
  };
  // Warm-up: JIT, descriptors, V8's heap and the allocator sizing themselves to this load.
  // Measured here: the JS heap in use after a forced GC stays at 3.8 MiB from 20,000 to
  // 130,000 connections, while RSS climbs in steps over the first ~40,000, and by about
  // 10% more up to ~150,000-300,000; then it holds (81.5 MB from 0.3 M to 1.8 M
  // connections of echoload conn 32). The soak's larger bound needs the longer warm-up.
  await churn(SCALE.churnWarmUp);
  const baseline = processState(server.pid);
  const started = performance.now();
  const connections = await churn(SCALE.churn);
  const seconds = (performance.now() - started) / 1000;
  await server.assertServes("after the churn");
  const after = processState(server.pid);
  // deno-lint-ignore no-console -- the measured figures belong in the test output
  console.log(
    `  case 6: ${connections} connections in ${
      seconds.toFixed(1)
    } s; fds ${baseline.fds} -> ${after.fds}; ` +
      `RSS ${baseline.rssKiB} -> ${after.rssKiB} KiB (${
        (100 * (after.rssKiB / baseline.rssKiB - 1)).toFixed(1)
      }%), peak ${after.peakKiB} KiB`,
  );
  assert.equal(after.fds, baseline.fds);
  assert.ok(after.rssKiB <= baseline.rssKiB * 1.1, "RSS within 10% of the baseline");
});

Deno.test({
  name: "reliability 7: sustained 32-connection ping-pong builds nothing up per record",
  ignore: NO_ECHOLOAD,
}, async () => {
  const echoload = await buildEchoload();
  // echoload opens its 32 connections at once: a backlog that holds them all, so none
  // waits a second for a SYN retry.
  const server = await Server.start(["--log", "none", "--backlog", "64"]);
  await using _ = server;
  const load = new Deno.Command(echoload, {
    args: ["pp", String(server.port), "32", String(SCALE.pingPongSeconds), "--srcips", "8"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Measurement points, not synchronisation: RSS once a second.
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(processState(server.pid).rssKiB), 1_000);
  let output: Deno.CommandOutput;
  try {
    output = await load.output();
  } finally {
    clearInterval(sampler);
  }
  const report = new TextDecoder().decode(output.stdout).trim();
  const records = Number(/ops=(\d+)/.exec(report)?.[1]);
  const warm = samples[Math.min(4, samples.length - 1)]!;
  const end = processState(server.pid);
  const growthMiB = (end.rssKiB - warm) / 1024;
  // deno-lint-ignore no-console -- the measured figures belong in the test output
  console.log(
    `  case 7: ${report}\n  case 7: RSS after 5 s ${warm} KiB, at the end ${end.rssKiB} KiB (+${
      growthMiB.toFixed(1)
    } MiB, ${
      ((end.rssKiB - warm) * 1024 / records).toFixed(2)
    } B/record), peak ${end.peakKiB} KiB; per second: ${samples.join(" ")}`,
  );
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  assert.match(report, /errors=0\b/);
  // V8 grows its young generation under this allocation rate (seen here: +10 to +45 MiB,
  // then flat, with the heap in use between 6 and 37 MiB); a timer or buffer kept per
  // record grows without end (a timer per record: +250 MB in 20 s), far past this bound.
  assert.ok(growthMiB < 64, `RSS grew ${growthMiB.toFixed(1)} MiB after the warm-up`);
  await server.assertServes("after the load");
});
