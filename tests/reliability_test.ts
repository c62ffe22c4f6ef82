/**
 * The reliability suite: the server under faults and hostile clients. Each case
 * checks that a well-behaved client is still served during and after the fault,
 * and that the server's open file descriptors return to their baseline; each
 * prints what it measured (memory, descriptors, dropped log lines).
 *
 * The server runs as users run it (a child process, JSON logs, the V8 flags of
 * `deno task serve` and of the binary), so its memory and descriptors are read from
 * /proc. The load comes from echoprobe's own load mode
 * (`client --concurrency`), from this file, and from python3 (resets, SO_LINGER 0):
 * nothing outside the repository. `SOAK=1` (`deno task soak`) runs the cases
 * longer and larger; every loop stays bounded in count and time.
 */
import assert from "node:assert/strict";
import { LINE_BUFFER_BYTES } from "../cli/line_queue.ts";
import { compare } from "../lib/payload.ts";
import { probe } from "../lib/probe.ts";
import { writeAll } from "../lib/record.ts";
import { V8_FLAGS } from "../scripts/compile_all.ts";
import { CliServer, drain, LineReader, MAIN, readRecord, runCli } from "./helpers.ts";

const SOAK = Deno.env.get("SOAK") === "1";
const SCALE = {
  slowConnections: SOAK ? 1_000 : 200,
  floodExtra: SOAK ? 2_000 : 40,
  churn: SOAK ? 100_000 : 20_000,
  churnWarmUp: SOAK ? 200_000 : 40_000,
  pingPongSeconds: SOAK ? 120 : 20,
  unreadMegabytes: SOAK ? 1_000 : 200,
  unreadLogConnections: SOAK ? 30_000 : 6_000,
  largePeers: SOAK ? 40 : 24,
  largeRecordMiB: SOAK ? 16 : 8,
  stopClients: 32,
  resetPeers: SOAK ? 3_500 : 2_000,
};

/** Prints the figures a case measured: they belong in the test output, on every run. */
function report(name: string, text: string): void {
  // deno-lint-ignore no-console -- the measured figures belong in the test output
  console.log(`  ${name}: ${text}`);
}

type ProcessState = ReturnType<typeof processState>;

/** RSS before and after (and its peak), and descriptors, as the cases print them. */
function memoryFigures(before: ProcessState, after: ProcessState): string {
  return `RSS ${before.rssKiB} KiB -> ${after.rssKiB} KiB (peak ${after.peakKiB} KiB), ` +
    `fds ${before.fds} -> ${after.fds}`;
}

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
  readonly acceptErrors: { error: string; count: number }[] = [];
  #wake = () => {};
  #reading: Promise<void>;
  #exited: Promise<{ code: number; stdout: string }> | undefined;

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
        if (event.event === "accept-error") this.acceptErrors.push(event);
        this.#wake();
      }
    })();
  }

  static async start(args: string[]): Promise<Server> {
    // A flag given twice is refused: --log json only when the caller gives no --log.
    const log = args.includes("--log") ? [] : ["--log", "json"];
    return new Server(
      await CliServer.start(
        ["--host", "127.0.0.1", "--port", "0", ...log, ...args],
        { denoFlags: V8_FLAGS },
      ),
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

  /**
   * Waits for the exit (signals are the caller's); returns the exit code and the rest
   * of stdout. The stderr events are in `closes`, `rejects` and `acceptErrors`.
   */
  exited(): Promise<{ code: number; stdout: string }> {
    return this.#exited ??= (async () => {
      const [stdout, status] = await Promise.all([
        this.process.stdout.rest(),
        this.process.child.status,
      ]);
      await this.#reading;
      return { code: status.code, stdout };
    })();
  }

  /** Sends `signal` and waits for the exit: see {@linkcode Server.exited}. */
  stop(signal: Deno.Signal = "SIGTERM"): Promise<{ code: number; stdout: string }> {
    this.process.child.kill(signal);
    return this.exited();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await (this.#exited ?? this.stop("SIGTERM"));
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
  const after = processState(server.pid);
  report(
    "case 1",
    `${SCALE.slowConnections} slow connections timed out; ${memoryFigures(baseline, after)}`,
  );
  assert.equal(after.fds, baseline.fds);
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
  const after = processState(server.pid);
  report("case 3", `2 resets logged as reset; ${memoryFigures(baseline, after)}`);
  assert.equal(after.fds, baseline.fds);
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
  const after = processState(server.pid);
  report("case 4", `350 bytes echoed after the half-close; ${memoryFigures(baseline, after)}`);
  assert.equal(after.fds, baseline.fds);
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
    report("case 5", `${SCALE.floodExtra} turned away while ${limit} were held: fds ${state.fds}`);
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
  const after = processState(server.pid);
  report("case 5", `after the flood: ${memoryFigures(baseline, after)}`);
  assert.equal(after.fds, baseline.fds);
});

/** The report of `echoprobe client --concurrency ... --json`: echoprobe's own load mode. */
interface LoadReportJson {
  ok: number;
  failed: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: Record<string, number>;
}

/** Runs echoprobe's load mode against a server on 127.0.0.1 and returns its report. */
async function runLoad(port: number, args: string[]): Promise<LoadReportJson> {
  const output = await runCli(["client", `127.0.0.1:${port}`, "--json", ...args]);
  assert.equal(output.code, 0, `client ${args.join(" ")}: ${output.stdout}${output.stderr}`);
  return JSON.parse(output.stdout.trimEnd().split("\n").at(-1)!);
}

Deno.test("reliability 6: connection churn leaves descriptors and memory at their baseline", async () => {
  const server = await Server.start(["--log", "none", "--backlog", "64"]);
  await using _ = server;
  // A new connection per probe, one at a time (as the C client that ran this case did),
  // from 127.0.0.1: Linux reuses a port in TIME_WAIT for a new loopback connection
  // (net.ipv4.tcp_tw_reuse=2, its default), so tens of thousands of connections do not
  // run out of ports.
  const churn = async (connections: number) => {
    const load = await runLoad(server.port, ["--concurrency", "1", "--count", String(connections)]);
    assert.equal(load.ok, connections, JSON.stringify(load.errors));
    return load;
  };
  // Warm-up: JIT, descriptors, V8's heap and the allocator sizing themselves to this load.
  // Measured with the C load client that ran this case before: the JS heap in use after
  // a forced GC stays at 3.8 MiB from 20,000 to 130,000 connections, while RSS climbs
  // in steps over the first ~40,000, and by about 10% more up to ~150,000-300,000;
  // then it holds. The soak's larger bound needs the longer warm-up. Without the V8
  // flags of `deno task serve` (--max-semi-space-size=8), V8 grew its young generation
  // in one more step after about 260,000 connections (+13 MiB, +17%, before issue 11's
  // changes as after); with them RSS held within 0.3% over the same 100,000.
  await churn(SCALE.churnWarmUp);
  const baseline = processState(server.pid);
  const started = performance.now();
  const load = await churn(SCALE.churn);
  const seconds = (performance.now() - started) / 1000;
  await server.assertServes("after the churn");
  const after = processState(server.pid);
  report(
    "case 6",
    `${load.ok} connections in ${seconds.toFixed(1)} s (${Math.round(load.perSecond)}/s); ` +
      `${memoryFigures(baseline, after)}; RSS ${
        (100 * (after.rssKiB / baseline.rssKiB - 1)).toFixed(1)
      }% from the baseline`,
  );
  assert.equal(after.fds, baseline.fds);
  assert.ok(after.rssKiB <= baseline.rssKiB * 1.1, "RSS within 10% of the baseline");
});

Deno.test("reliability 7: sustained 32-connection ping-pong builds nothing up per record", async () => {
  // The load client opens its 32 connections at once: a backlog that holds them all,
  // so none waits a second for a SYN retry.
  const server = await Server.start(["--log", "none", "--backlog", "64"]);
  await using _ = server;
  // Measurement points, not synchronisation: RSS once a second.
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(processState(server.pid).rssKiB), 1_000);
  let load: LoadReportJson;
  try {
    load = await runLoad(server.port, [
      "--concurrency",
      "32",
      "--reuse",
      "--duration",
      `${SCALE.pingPongSeconds}s`,
    ]);
  } finally {
    clearInterval(sampler);
  }
  const records = load.ok;
  const warm = samples[Math.min(4, samples.length - 1)]!;
  const end = processState(server.pid);
  const growthMiB = (end.rssKiB - warm) / 1024;
  report(
    "case 7",
    `${records} records (${
      Math.round(load.perSecond)
    }/s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms, ` +
      `max ${load.maxMs} ms), ${load.failed} failed; RSS after 5 s ${warm} KiB, at the end ` +
      `${end.rssKiB} KiB (+${growthMiB.toFixed(1)} MiB, ${
        ((end.rssKiB - warm) * 1024 / records).toFixed(2)
      } B/record), peak ${end.peakKiB} KiB, fds ${end.fds}; per second: ${samples.join(" ")}`,
  );
  assert.equal(load.failed, 0, JSON.stringify(load.errors));
  // V8 grows its young generation under this allocation rate (seen here: +10 to +45 MiB,
  // then flat, with the heap in use between 6 and 37 MiB); a timer or buffer kept per
  // record grows without end (a timer per record: +250 MB in 20 s), far past this bound.
  assert.ok(growthMiB < 64, `RSS grew ${growthMiB.toFixed(1)} MiB after the warm-up`);
  await server.assertServes("after the load");
});

Deno.test("reliability 8: with stderr a pipe nobody reads, the server keeps serving and counts the log lines it dropped", async () => {
  // stderr piped and never read: the pipe fills (64 KiB), then the server's line
  // buffer (256 KiB), then lines are dropped. The old synchronous write froze the
  // server at about 1,600 connections.
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      ...V8_FLAGS,
      MAIN,
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--json",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new LineReader(child.stdout);
  try {
    const port = JSON.parse((await stdout.line())!).port;
    const baseline = processState(child.pid);
    const started = performance.now();
    const connections = SCALE.unreadLogConnections;
    for (let i = 0; i < connections; i++) {
      // Bounded: a frozen server fails the probe after 5 s instead of hanging the test.
      const result = await probe({ hostname: "127.0.0.1", port, timeoutMs: 5_000 });
      assert.equal(result.bytes, 250, `connection ${i + 1}`);
    }
    const seconds = (performance.now() - started) / 1000;
    const after = processState(child.pid);
    const stopping = performance.now();
    child.kill("SIGTERM");
    const summary = JSON.parse((await stdout.line())!);
    const status = await child.status;
    const stopMs = performance.now() - stopping;
    report(
      "case 8",
      `${connections} connections served in ${seconds.toFixed(1)} s with stderr unread; ` +
        `log lines dropped: ${summary.logDropped}; stopped in ${
          stopMs.toFixed(0)
        } ms, exit ${status.code}; ` +
        memoryFigures(baseline, after),
    );
    assert.equal(status.code, 0);
    assert.equal(summary.connections, connections);
    // Each close line has at least 90 characters: the pipe and the buffer hold at most
    // (64 KiB + 256 KiB) / 90 of them; every other one was dropped, and counted.
    assert.ok(
      summary.logDropped >= connections - Math.ceil((64 * 1024 + LINE_BUFFER_BYTES) / 90),
      `${summary.logDropped} dropped`,
    );
    assert.ok(summary.logDropped < connections, "the lines the pipe took were not dropped");
  } finally {
    killIfRunning(child); // a server that froze does not stop on SIGTERM
    await child.status;
    await stdout.rest();
    await child.stderr.cancel();
  }
});

/** Kills a child process unless it has exited. */
function killIfRunning(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch (error) {
    if (!(error instanceof TypeError)) throw error; // it has exited
  }
}

/** Sends `payload` as one record and checks its echo, reading while it writes. */
async function echoLarge(port: number, payload: Uint8Array): Promise<void> {
  using conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const writing = writeAll(conn, payload);
  const buffer = new Uint8Array(64 * 1024);
  let offset = 0;
  while (offset < payload.length) {
    const n = await conn.read(buffer);
    if (n === null) break;
    const difference = compare(payload.subarray(offset, offset + n), buffer.subarray(0, n));
    assert.equal(difference, undefined, `echo differs at byte ${offset}`);
    offset += n;
  }
  await writing;
  assert.equal(offset, payload.length, "the whole record came back");
}

Deno.test("reliability 9: large records from many peers stay within --buffer-budget, and the memory comes back", async () => {
  const recordMiB = SCALE.largeRecordMiB;
  const budgetMiB = 4 * recordMiB; // four records at once; the other peers wait, unread
  const { server, baseline } = await startWithBaseline([
    "--size",
    `${recordMiB}MiB`,
    "--buffer-budget",
    `${budgetMiB}MiB`,
    "--timeout",
    "30s",
    "--backlog",
    "64",
  ]);
  await using _ = server;
  const payload = Uint8Array.from(
    { length: recordMiB * 1024 * 1024 },
    (_, i) => (i * 7) ^ (i >> 12),
  );
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SCALE.largePeers }, () => echoLarge(server.port, payload)),
  );
  const seconds = (performance.now() - started) / 1000;
  await server.waitFor(1 + SCALE.largePeers);
  const after = processState(server.pid);
  const peakMiB = (after.peakKiB - baseline.rssKiB) / 1024;
  const keptMiB = (after.rssKiB - baseline.rssKiB) / 1024;
  report(
    "case 9",
    `${SCALE.largePeers} peers x ${recordMiB} MiB records in ${seconds.toFixed(1)} s, ` +
      `--buffer-budget ${budgetMiB}MiB: RSS before ${baseline.rssKiB} KiB, peak ${after.peakKiB} KiB ` +
      `(+${peakMiB.toFixed(1)} MiB), after ${after.rssKiB} KiB (+${keptMiB.toFixed(1)} MiB); ` +
      `fds ${baseline.fds} -> ${after.fds}`,
  );
  for (const close of server.closes.slice(1)) {
    assert.deepEqual([close.reason, close.bytes], ["eof", payload.length]);
  }
  // Without a budget each peer held a buffer of one record from its first byte (here
  // 24 x 8 MiB = 192 MiB), and 256 of them stayed for reuse after the peers left.
  assert.ok(peakMiB < budgetMiB + 40, `peak RSS +${peakMiB.toFixed(1)} MiB`);
  assert.ok(keptMiB < 16, `RSS +${keptMiB.toFixed(1)} MiB after the peers left`);
  assert.equal(after.fds, baseline.fds);
});

Deno.test("reliability 10: a graceful stop echoes every record that 32 pipelining clients already sent", async () => {
  const { server, baseline } = await startWithBaseline(["--grace", "10s", "--backlog", "64"]);
  await using _ = server;
  const clients: Deno.TcpConn[] = [];
  try {
    for (let i = 0; i < SCALE.stopClients; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      clients.push(conn);
      await conn.write(new Uint8Array(250).fill(i));
      await readRecord(conn, 250); // accepted, and idle
    }
    const records = 8;
    const sent = clients.map((_, i) =>
      Uint8Array.from({ length: 250 * records }, (_, j) => (i * 31 + j) & 0xff)
    );
    // Stopped, the server reads nothing: every record waits in its socket when the
    // SIGTERM is handled (the signal and the waiting bytes are seen on the same wake-up).
    server.process.child.kill("SIGSTOP");
    for (const [i, conn] of clients.entries()) await conn.write(sent[i]!);
    server.process.child.kill("SIGTERM");
    const resumed = performance.now();
    server.process.child.kill("SIGCONT");
    const echoed = await Promise.all(clients.map(async (conn) => {
      const echo = await readRecord(conn, 250 * records + 1); // up to the server's close
      return echo;
    }));
    const { code, stdout } = await server.exited();
    const stopMs = performance.now() - resumed;
    const whole = echoed.filter((echo, i) => compare(sent[i]!, echo) === undefined).length;
    report(
      "case 10",
      `${SCALE.stopClients} clients x ${records} records waiting at SIGTERM: ${whole} clients got ` +
        `all back (${echoed.reduce((sum, echo) => sum + echo.length, 0)} of ${
          SCALE.stopClients * 250 * records
        } bytes); stopped ${stopMs.toFixed(0)} ms after SIGCONT, exit ${code}; fds ${baseline.fds}`,
    );
    for (const [i, echo] of echoed.entries()) assert.deepEqual(echo, sent[i], `client ${i + 1}`);
    assert.equal(code, 0);
    assert.equal(
      Number(/ records=(\d+) /.exec(stdout)?.[1]),
      1 + SCALE.stopClients * (1 + records),
      stdout,
    );
    const stopped = server.closes.slice(1);
    assert.equal(stopped.length, SCALE.stopClients);
    for (const close of stopped) assert.deepEqual([close.reason, close.records], ["shutdown", 9]);
    assert.ok(stopMs < 5_000, "not cut short by the grace period: done before it");
  } finally {
    clients.forEach((conn) => conn.close());
  }
});

/**
 * The kernel's cap on a listen backlog (somaxconn): every queued connection needs a
 * place. Deno reads /proc only with --allow-all, so `sh` reads it.
 */
function somaxconn(): number {
  const output = new Deno.Command("sh", {
    args: ["-c", "cat /proc/sys/net/core/somaxconn"],
    stdout: "piped",
  }).outputSync();
  return Number(new TextDecoder().decode(output.stdout)) || 128;
}

Deno.test("reliability 11: peers that connect and reset at once make a line per second, not one each", async () => {
  const { server, baseline } = await startWithBaseline(["--backlog", "4096"]);
  await using _ = server;
  // Stopped, the server accepts nothing: each connection waits in the accept queue and
  // is reset there, so every accept fails. The queue holds somaxconn connections.
  const peers = Math.min(SCALE.resetPeers, somaxconn() - 16);
  server.process.child.kill("SIGSTOP");
  let resumed: number;
  try {
    const python = await new Deno.Command("python3", {
      args: [
        "-c",
        `import socket, struct
for i in range(${peers}):
    s = socket.create_connection(("127.0.0.1", ${server.port}), timeout=5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()`,
      ],
      stdin: "null",
      stderr: "piped",
    }).output();
    assert.ok(python.success, new TextDecoder().decode(python.stderr));
  } finally {
    server.process.child.kill("SIGCONT");
    resumed = performance.now();
  }
  // Queued after the resets: once it is served, every reset was accepted (or failed to be).
  await server.assertServes("after the resets");
  const after = processState(server.pid);
  const { code } = await server.stop();
  const seconds = (performance.now() - resumed) / 1000;
  const failures = server.acceptErrors.reduce((sum, line) => sum + line.count, 0);
  const accepted = server.closes.length - 2; // past the warm-up and the served probe
  report(
    "case 11",
    `${peers} peers reset in the accept queue: ${failures} failed accepts in ${server.acceptErrors.length} ` +
      `log lines (${accepted} accepted before their reset) over ${seconds.toFixed(1)} s; ` +
      `${memoryFigures(baseline, after)}`,
  );
  assert.equal(code, 0);
  assert.equal(failures + accepted, peers, "every peer is counted");
  assert.ok(
    server.acceptErrors.length <= 2 + Math.ceil(seconds),
    `${server.acceptErrors.length} lines in ${
      seconds.toFixed(1)
    } s: at most one per second and the first`,
  );
  assert.equal(after.fds, baseline.fds);
});
