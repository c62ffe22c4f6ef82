/**
 * `echoprobe server` as it runs (cli/server_run.ts): its signals, and its output when
 * stdout and stderr are pipes that close or terminals that hang up.
 */
import assert from "node:assert/strict";
import { probe } from "../lib/probe.ts";
import {
  CliServer,
  closedPort,
  drain,
  hasDevFull,
  LineReader,
  MAIN,
  readRecord,
  RUN_FLAGS,
} from "./helpers.ts";

Deno.test("server: SIGHUP stops it gracefully, with every log line and the summary, exit 0", async () => {
  await using server = await CliServer.start(["--host", "127.0.0.1", "--port", "0"]);
  using held = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await held.write(new Uint8Array(250));
  await readRecord(held, 250);
  const stopped = await server.stop("SIGHUP");
  await drain(held);
  assert.equal(stopped.code, 0);
  const lines = stopped.stderr.trimEnd().split("\n");
  assert.equal(lines[0], "echoprobe server stopping: 1 connections open");
  assert.match(lines[1]!, /^closed 127\.0\.0\.1:\d+ records=1 bytes=250 .* reason=shutdown$/);
  assert.equal(lines.length, 2);
  assert.equal(
    stopped.stdout,
    "echoprobe server stopped: connections=1 rejected=0 records=1 bytes=250 log_dropped=0\n",
  );
});

Deno.test("server: `2>&1 | head -1` keeps serving after head exits, and stops with exit 0 on SIGTERM", async () => {
  // As a user would: the server's stdout and stderr into head, which exits after the
  // ready line. The shell reports the server's pid and exit code on fd 3 (its stderr).
  const script = '{ "$@" 2>&1 & echo "pid $!" >&3; wait $!; echo "exit $?" >&3; } 3>&2 | ' +
    '{ head -n 1; echo "head exited" >&2; }';
  const child = new Deno.Command("sh", {
    args: [
      "-c",
      script,
      "sh",
      Deno.execPath(),
      "run",
      "--allow-net",
      MAIN,
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--stats-interval",
      "10ms", // a log line every 10 ms, into the closed pipe
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stdout = new LineReader(child.stdout);
  const stderr = new LineReader(child.stderr);
  let pid = 0;
  try {
    const ready = await stdout.line();
    const port = Number(
      /^echoprobe server listening on 127\.0\.0\.1:(\d+)$/.exec(ready ?? "")?.[1],
    );
    assert.ok(port > 0, `the ready line, through head: ${ready}`);
    for (let line = await stderr.line(); line !== "head exited"; line = await stderr.line()) {
      assert.ok(line !== undefined, "the shell ended before head did");
      pid = Number(/^pid (\d+)$/.exec(line)?.[1] ?? pid);
    }
    assert.ok(pid > 0, "the server's pid");
    // Head is gone: the server's next writes fail. It goes on serving, for at least
    // 300 ms (several batches of log lines), bounded in count.
    const started = performance.now();
    let served = 0;
    while (performance.now() - started < 300 && served < 5_000) {
      const result = await probe({ hostname: "127.0.0.1", port, timeoutMs: 5_000 });
      assert.equal(result.bytes, 250);
      served++;
    }
    Deno.kill(pid, "SIGTERM");
    const exit = await stderr.line();
    pid = 0;
    assert.equal(exit, "exit 0", `served ${served} after head exited`);
    assert.equal((await child.status).code, 0);
  } finally {
    if (pid > 0) Deno.kill(pid, "SIGKILL");
    await Promise.all([stdout.rest(), stderr.rest(), child.status]);
  }
});

Deno.test("server: a closed terminal (SIGHUP, then writes that fail) stops it gracefully, exit 0", async () => {
  // python3 runs the server on a pseudo-terminal, hands the ready line over, and closes
  // the terminal when told: the kernel sends SIGHUP, and every write after fails (EIO).
  const python = new Deno.Command("python3", {
    args: [
      "-c",
      `import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
seen = b""
while b"\\n" not in seen:
    seen += os.read(fd, 1024)
print(seen.split(b"\\n")[0].decode().strip(), flush=True)
sys.stdin.readline()
os.close(fd)
print("exit", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)`,
      Deno.execPath(),
      "run",
      "--allow-net",
      MAIN,
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stdout = new LineReader(python.stdout);
  const stdin = python.stdin.getWriter();
  try {
    const ready = await stdout.line();
    const port = Number(/listening on 127\.0\.0\.1:(\d+)$/.exec(ready ?? "")?.[1]);
    assert.ok(port > 0, `the ready line: ${ready}`);
    using held = await Deno.connect({ hostname: "127.0.0.1", port });
    await held.write(new Uint8Array(250));
    await readRecord(held, 250); // its close line is written after the hang-up
    await stdin.write(new TextEncoder().encode("hang up\n"));
    assert.equal(await stdout.line(), "exit 0");
    await drain(held);
  } finally {
    await stdin.close();
    await stdout.rest();
    await python.status;
  }
});

Deno.test({
  name: "server: a stdout or stderr that fails (> /dev/full) ends that output, not serving",
  ignore: !hasDevFull(),
  fn: async (t) => {
    for (const full of ["stdout", "stderr"] as const) {
      await t.step(`${full} to /dev/full`, async () => {
        const port = closedPort(); // stdout may be the full one: the port is given, not read
        const redirect = full === "stdout" ? "> /dev/full" : "2> /dev/full";
        const child = new Deno.Command("sh", {
          args: [
            "-c",
            `exec "$@" ${redirect}`,
            "sh",
            Deno.execPath(),
            "run",
            ...RUN_FLAGS,
            MAIN,
            ...["server", "--host", "127.0.0.1", "--port", String(port)],
            ...["--stats-interval", "10ms"], // lines to write, every 10 ms
          ],
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const open = new LineReader(full === "stdout" ? child.stderr : child.stdout);
        const outputs = Promise.all([
          full === "stdout" ? new Response(child.stdout).text() : Promise.resolve(""),
          full === "stderr" ? new Response(child.stderr).text() : Promise.resolve(""),
        ]);
        try {
          // The first line on the output that works tells the server runs.
          assert.ok((await open.line()) !== undefined, "the server wrote nothing and ended");
          for (let served = 0; served < 20; served++) {
            const result = await probe({ hostname: "127.0.0.1", port, timeoutMs: 5_000 });
            assert.equal(result.bytes, 250);
          }
        } finally {
          child.kill("SIGTERM");
        }
        const [status, rest, [, stderrText]] = await Promise.all([
          child.status,
          open.rest(),
          outputs,
        ]);
        assert.equal(status.code, 0, `${rest}${stderrText}`);
        assert.ok(!/Uncaught|error/i.test(rest + stderrText), rest + stderrText);
        if (full === "stderr") assert.match(rest, /^echoprobe server stopped: connections=20 /m);
      });
    }
  },
});

Deno.test("a usage error with stderr failing (2> /dev/full) still exits 2", {
  ignore: !hasDevFull(),
}, async () => {
  const output = await new Deno.Command("sh", {
    args: ["-c", 'exec "$@" 2> /dev/full', "sh", Deno.execPath(), "run", MAIN, "server", "-x"],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(output.code, 2);
});
