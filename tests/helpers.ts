/**
 * Test helpers: run `main.ts` as users do, and small misbehaving servers.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readFull } from "../lib/record.ts";
import { UsageError } from "../cli/exit.ts";

/** The path of `main.ts`, as the CLI tests run it. */
export const MAIN = new URL("../main.ts", import.meta.url).pathname;

/**
 * The flags of every `deno run` of `main.ts` here, as the tasks give them: the network,
 * and Deno's unstable network API for UDP (tests/compile_test.ts holds them to the tasks).
 */
export const RUN_FLAGS = ["--allow-net", "--unstable-net"] as const;

/** What a finished CLI run printed, and its exit code. */
export interface CliOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** How {@linkcode runCli} runs `main.ts`. */
export interface RunOptions {
  /** Permission flags beyond `--allow-net`. */
  permissions?: string[];
  /**
   * The child's whole environment (see {@linkcode envWithout}). By default it has this
   * process's environment and `NO_COLOR=1`.
   */
  env?: Record<string, string>;
  /** Kills the child when it aborts (a run that should end by itself, bounded). */
  signal?: AbortSignal;
}

/**
 * Runs `main.ts` with `args` to completion, with {@linkcode RUN_FLAGS} and
 * `options.permissions`.
 */
export async function runCli(args: string[], options: RunOptions = {}): Promise<CliOutput> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...RUN_FLAGS, ...(options.permissions ?? []), MAIN, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.env ? { env: options.env, clearEnv: true } : { env: { NO_COLOR: "1" } }),
    ...(options.signal ? { signal: options.signal } : {}),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * This process's environment without `names`: a child started with it (and `clearEnv`)
 * does not see them, even when the test runner has them (`NO_COLOR=1 deno task test`).
 */
export function envWithout(...names: string[]): Record<string, string> {
  const env = Deno.env.toObject();
  for (const name of names) delete env[name];
  return env;
}

/** Asserts a usage error as users see it: one line on stderr, nothing on stdout, exit 2. */
export function assertUsageError(output: CliOutput, pattern: RegExp): void {
  assert.equal(output.code, 2, output.stderr);
  assert.equal(output.stdout, "");
  const lines = output.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line expected, got:\n${output.stderr}`);
  assert.match(lines[0]!, /^echoprobe: /);
  assert.match(lines[0]!, pattern);
}

/**
 * Asserts that `parse` throws the usage error users see after "echoprobe: ": a
 * {@linkcode UsageError} (exit 2) of one line that matches `pattern`.
 */
export function assertUsageThrows(parse: () => unknown, pattern: RegExp): void {
  assert.throws(parse, (error) => {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${error}`);
    assert.equal(error.exitCode, 2);
    assert.ok(!error.message.includes("\n"), `one line expected, got:\n${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
}

/** Asserts that `actual` is within `relative` (0.01: 1%) of `expected`. */
export function assertWithin(actual: number, expected: number, relative: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= Math.abs(expected) * relative,
    `${what}: ${actual} is not within ${relative * 100}% of ${expected}`,
  );
}

/** Whether a program is on the PATH (`command -v`). */
export function hasCommand(name: string): boolean {
  return new Deno.Command("sh", {
    args: ["-c", 'command -v "$0"', name],
    stdout: "null",
    stderr: "null",
  }).outputSync().success;
}

/** A word for `sh -c`, in single quotes. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Reads lines from a stream of bytes. */
export class LineReader {
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffered = "";

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next full line, or `undefined` at end of stream. */
  async line(): Promise<string | undefined> {
    for (;;) {
      const newline = this.#buffered.indexOf("\n");
      if (newline !== -1) {
        const line = this.#buffered.slice(0, newline);
        this.#buffered = this.#buffered.slice(newline + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) return undefined;
      this.#buffered += value;
    }
  }

  /** Reads to the end; returns the lines not read before, each with its newline. */
  async rest(): Promise<string> {
    let rest = "";
    for (let line = await this.line(); line !== undefined; line = await this.line()) {
      rest += `${line}\n`;
    }
    return rest + this.#buffered;
  }
}

/** `main.ts` running in a child process, its output read line by line. */
export class CliProcess implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly stdout: LineReader;
  readonly stderr: LineReader;

  /**
   * Starts `main.ts` with `args` and {@linkcode RUN_FLAGS}.
   *
   * @param stderrToStdout Both streams into one pipe (`2>&1`, through sh): read `stdout`.
   * @param permissions Permission flags beyond `--allow-net`.
   * @param stdin Text for standard input (then closed); none by default.
   * @param denoFlags More flags for `deno run` (such as `--v8-flags=...`).
   */
  constructor(
    args: string[],
    {
      stderrToStdout = false,
      permissions = [] as string[],
      stdin = undefined as string | undefined,
      denoFlags = [] as readonly string[],
    } = {},
  ) {
    const deno = ["run", ...RUN_FLAGS, ...permissions, ...denoFlags, MAIN, ...args];
    this.child = new Deno.Command(stderrToStdout ? "sh" : Deno.execPath(), {
      args: stderrToStdout ? ["-c", 'exec "$0" "$@" 2>&1', Deno.execPath(), ...deno] : deno,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.stdout = new LineReader(this.child.stdout);
    this.stderr = new LineReader(this.child.stderr);
    if (stdin !== undefined) {
      const writer = this.child.stdin.getWriter();
      writer.write(new TextEncoder().encode(stdin)).then(() => writer.close());
    }
  }

  /** Waits for the exit; returns what it printed that was not read yet. */
  async finish(): Promise<CliOutput> {
    const [stdout, stderr, status] = await Promise.all([
      this.stdout.rest(),
      this.stderr.rest(),
      this.child.status,
    ]);
    return { code: status.code, stdout, stderr };
  }

  /** Sends `signal`, then {@linkcode CliProcess.finish}. */
  stop(signal: Deno.Signal = "SIGTERM"): Promise<CliOutput> {
    this.child.kill(signal);
    return this.finish();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.child.kill("SIGKILL");
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // already exited
    }
    await this.finish();
  }
}

/** `echoprobe server` running in a child process. */
export class CliServer extends CliProcess {
  /** The port from the "listening" line. */
  port = 0;
  /** The first stdout line. */
  readyLine = "";

  /**
   * Starts a server with `args` (add `--port 0`) and waits for its listening line;
   * `options` as {@linkcode CliProcess}'s.
   */
  static async start(
    args: string[],
    options: { permissions?: string[]; stdin?: string; denoFlags?: readonly string[] } = {},
  ): Promise<CliServer> {
    const server = new CliServer(["server", ...args], options);
    const line = await server.stdout.line();
    if (line === undefined) {
      const { stderr } = await server.finish();
      throw new Error(`server did not start: ${stderr}`);
    }
    server.readyLine = line;
    const json = line.startsWith("{");
    server.port = json ? JSON.parse(line).port : Number(/:(\d+)$/.exec(line)?.[1]);
    return server;
  }
}

/** `echoprobe exporter` running in a child process. */
export class CliExporter extends CliProcess {
  /** The HTTP port from the "listening" line. */
  port = 0;

  /**
   * Starts an exporter with `args` (add `--listen 127.0.0.1:0`) and waits for its line;
   * `options` as {@linkcode CliProcess}'s.
   */
  static async start(
    args: string[],
    options: { permissions?: string[]; stdin?: string } = {},
  ): Promise<CliExporter> {
    const exporter = new CliExporter(["exporter", ...args], options);
    const line = await exporter.stdout.line() ?? "";
    const port = line.startsWith("{")
      ? JSON.parse(line).port
      : /^echoprobe exporter listening on .*:(\d+)$/.exec(line)?.[1];
    if (port === undefined) {
      await exporter[Symbol.asyncDispose]();
      throw new Error(`exporter did not start: ${line}`);
    }
    exporter.port = Number(port);
    return exporter;
  }

  /** The exporter's URL for `path` (with its query). */
  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }
}

/**
 * Runs `promtool check metrics` (Prometheus's linter) on an exposition: its exit
 * code and what it said (nothing when the text is clean).
 */
export async function promtoolCheckMetrics(text: string): Promise<CliOutput> {
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * A loopback server that answers each connection with `respond`, for clients
 * facing misbehaving servers. Closing it waits for the handlers to finish.
 */
export class FakeServer implements AsyncDisposable {
  readonly listener: Deno.TcpListener;
  /** Settles when the first connection is accepted. */
  readonly accepted: Promise<void>;
  readonly #handlers: Promise<void>[] = [];
  readonly #accepting: Promise<void>;

  readonly #release = Promise.withResolvers<void>();

  /**
   * @param respond Handles one connection; `released` settles when the server is
   *   disposed, for handlers that hold a connection open to the end.
   * @param hostname The loopback address to listen on.
   */
  constructor(
    respond: (conn: Deno.TcpConn, released: Promise<void>) => Promise<void>,
    hostname = "127.0.0.1",
  ) {
    const listener = Deno.listen({ hostname, port: 0 });
    this.listener = listener;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.accepted = promise;
    this.#accepting = (async () => {
      for await (const conn of listener) {
        resolve();
        this.#handlers.push((async () => {
          try {
            await respond(conn, this.#release.promise);
          } finally {
            conn.close();
          }
        })());
      }
    })();
  }

  get port(): number {
    return this.listener.addr.port;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.listener.close();
    this.#release.resolve();
    await this.#accepting;
    await Promise.all(this.#handlers);
  }
}

/** Reads one record of `size` bytes from `conn`, or fewer at end of stream. */
export async function readRecord(conn: Deno.Conn, size: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(size);
  const n = await readFull(conn, buffer);
  return buffer.subarray(0, n);
}

/** Waits until `conn` reaches end of stream, discarding what arrives. */
export async function drain(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(4096);
  while (await conn.read(buffer) !== null) { /* discard */ }
}

/** Whether this machine has an IPv6 loopback to listen on. */
export function hasIpv6Loopback(): boolean {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether this machine has `/dev/full` (Linux), a device every write to fails (ENOSPC).
 * Asked of `test -c`: Deno wants `--allow-all` to look at a device.
 */
export function hasDevFull(): boolean {
  return new Deno.Command("sh", { args: ["-c", "test -c /dev/full"] }).outputSync().success;
}

/**
 * Waits until `condition()` holds, checking after each turn of the event loop
 * (not a fixed sleep); fails after `timeoutMs`.
 */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000) {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** A loopback port nothing listens on: bound, then closed. */
export function closedPort(): number {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return listener.addr.port;
}

/**
 * A listener on `hostname` whose backlog is full, so that a new connection attempt
 * gets no answer (its SYN is dropped): a silent address, on loopback. It connects
 * until an attempt stays unanswered for 100 ms (at most 10 tries).
 *
 * @param port The port (by default one the system picks).
 */
export async function silentListener(hostname: string, port = 0) {
  const listener = Deno.listen({ hostname, port, tcpBacklog: 1 });
  const held: Deno.Conn[] = [];
  port = listener.addr.port;
  const release = () => {
    for (const conn of held) conn.close();
    listener.close();
  };
  for (let i = 0; i < 10; i++) {
    try {
      held.push(await Deno.connect({ hostname, port, signal: AbortSignal.timeout(100) }));
    } catch (error) {
      if (!(error instanceof DOMException && error.name === "TimeoutError")) {
        release();
        throw error;
      }
      return { port, [Symbol.dispose]: release };
    }
  }
  release();
  throw new Error(`${hostname}: the backlog never filled`);
}

/**
 * A listener on 127.0.0.1 and a silent one ({@linkcode silentListener}) on ::1, on the
 * same port: a name with both addresses, of which only the IPv4 one answers. Tries up to
 * 10 ports, as the port picked for one address may be in use on the other.
 */
export async function silentIpv6BesideIpv4() {
  for (let i = 0; i < 10; i++) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const silent = await silentListener("::1", listener.addr.port);
      return {
        listener,
        port: listener.addr.port,
        [Symbol.dispose]() {
          silent[Symbol.dispose]();
          listener.close();
        },
      };
    } catch (error) {
      listener.close();
      if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    }
  }
  throw new Error("no port free on both 127.0.0.1 and ::1");
}

/**
 * Runs `main.ts` with `args` and `input` on its standard input (as `... | echoprobe
 * report`), with no permission at all: what the report needs is stdin and stdout.
 */
export async function runCliWithInput(args: string[], input: string): Promise<CliOutput> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", MAIN, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  const [output] = await Promise.all([
    child.output(),
    writer.write(new TextEncoder().encode(input)).then(() => writer.close()),
  ]);
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
