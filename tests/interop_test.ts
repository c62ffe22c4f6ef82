/**
 * Interop with programs nobody here wrote (Debian's socat and netcat-openbsd,
 * installed by .ci/run): our client against their echo, their client against ours.
 */
import assert from "node:assert/strict";
import { CliServer, LineReader, runCli } from "./helpers.ts";

/** `socat` as an echo server on a free loopback port, ready once it listens. */
class SocatEcho implements AsyncDisposable {
  readonly child = new Deno.Command("socat", {
    args: ["-d", "-d", "TCP-LISTEN:0,bind=127.0.0.1,reuseaddr,fork", "PIPE"],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  readonly stderr = new LineReader(this.child.stderr);
  port = 0;

  /** Waits for socat's "listening on AF=2 127.0.0.1:PORT" line (with -d -d). */
  async ready(): Promise<this> {
    for (let line = await this.stderr.line(); line !== undefined; line = await this.stderr.line()) {
      const port = /listening on .*:(\d+)/.exec(line)?.[1];
      if (port) {
        this.port = Number(port);
        return this;
      }
    }
    throw new Error("socat exited before listening");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.child.kill("SIGTERM");
    await Promise.all([this.stderr.rest(), this.child.status]);
  }
}

Deno.test("interop: our client probes socat's echo (TCP-LISTEN,fork PIPE)", async () => {
  await using socat = await new SocatEcho().ready();
  const output = await runCli(["client", `127.0.0.1:${socat.port}`, "-c", "3", "-i", "10ms"]);
  assert.equal(output.code, 0, output.stdout + output.stderr);
  const lines = output.stdout.split("\n").filter((line) => line.startsWith("250 bytes from"));
  assert.equal(lines.length, 3);
  lines.forEach((line, i) =>
    assert.match(line, new RegExp(`^250 bytes from 127\\.0\\.0\\.1:${socat.port}: seq=${i + 1} `))
  );
  assert.match(output.stdout, /\n3 probes transmitted, 3 received, 0% loss/);
});

Deno.test("interop: nc -N sends 250 bytes to our server and gets the same 250 back", async () => {
  await using server = await CliServer.start(["--host", "127.0.0.1", "--port", "0"]);
  const sent = crypto.getRandomValues(new Uint8Array(250));
  const nc = new Deno.Command("nc", {
    args: ["-N", "127.0.0.1", String(server.port)],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = nc.stdin.getWriter();
  await writer.write(sent);
  await writer.close();
  const output = await nc.output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.deepEqual(output.stdout, sent);
  assert.match(await server.stderr.line() ?? "", /records=1 bytes=250 .*reason=eof$/);
});

Deno.test("interop: nc -N with 1,010 bytes gets 4 records and the partial fifth back", async () => {
  await using server = await CliServer.start(["--host", "127.0.0.1", "--port", "0"]);
  const sent = crypto.getRandomValues(new Uint8Array(1010));
  const nc = new Deno.Command("nc", {
    args: ["-N", "127.0.0.1", String(server.port)],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = nc.stdin.getWriter();
  await writer.write(sent);
  await writer.close();
  const output = await nc.output();
  assert.deepEqual(output.stdout, sent);
  assert.match(await server.stderr.line() ?? "", /records=4 bytes=1010 .*reason=eof$/);
});
