/**
 * UDP interop with programs nobody here wrote (Debian's socat and netcat-openbsd,
 * installed by .ci/run, as is ss from iproute2): our client against socat's UDP echo,
 * nc -u against our server.
 */
import assert from "node:assert/strict";
import { CliServer, LineReader, runCli } from "./helpers.ts";

/**
 * The UDP port a process has bound, as `ss` (iproute2) shows it: socat prints port 0
 * as given, not the port it got (and Deno reads /proc/PID/fd only with --allow-all).
 */
async function udpPortOf(pid: number): Promise<number | undefined> {
  const output = await new Deno.Command("ss", { args: ["-Hulnp"], stdout: "piped" }).output();
  assert.ok(output.success, "ss -Hulnp failed");
  for (const line of new TextDecoder().decode(output.stdout).split("\n")) {
    if (!line.includes(`pid=${pid},`)) continue;
    // State Recv-Q Send-Q Local:Port Peer:Port Process
    const port = /:(\d+)$/.exec(line.trim().split(/\s+/)[3] ?? "")?.[1];
    if (port) return Number(port);
  }
  return undefined;
}

/** `socat UDP-RECVFROM:0,fork PIPE` on loopback: each datagram echoed by a child. */
class SocatUdpEcho implements AsyncDisposable {
  readonly child = new Deno.Command("socat", {
    args: ["-d", "-d", "UDP-RECVFROM:0,bind=127.0.0.1,fork", "PIPE"],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  readonly stderr = new LineReader(this.child.stderr);
  port = 0;

  /** Waits for socat's "receiving on" line (it has bound then), and reads its port. */
  async ready(): Promise<this> {
    for (let line = await this.stderr.line(); line !== undefined; line = await this.stderr.line()) {
      if (!/ receiving on /.test(line)) continue;
      const port = await udpPortOf(this.child.pid);
      assert.ok(port, `ss shows no UDP port of socat (${line})`);
      this.port = port;
      return this;
    }
    throw new Error("socat exited before receiving");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.child.kill("SIGTERM");
    await Promise.all([this.stderr.rest(), this.child.status]);
  }
}

Deno.test("interop: our client --udp probes socat's UDP echo (UDP-RECVFROM,fork PIPE)", async () => {
  await using socat = await new SocatUdpEcho().ready();
  const output = await runCli([
    "client",
    `127.0.0.1:${socat.port}`,
    "--udp",
    "-c",
    "3",
    "-i",
    "50ms",
    "-t",
    "2s",
    "--size",
    "1000",
  ]);
  assert.equal(output.code, 0, output.stdout + output.stderr);
  const lines = output.stdout.split("\n").filter((line) => line.startsWith("1000 bytes from"));
  assert.deepEqual(
    lines.map((line) => /seq=(\d+)/.exec(line)?.[1]),
    ["1", "2", "3"],
  );
  assert.match(output.stdout, /\n3 probes transmitted, 3 received, 0% loss, 0 duplicates/);
});

Deno.test("interop: nc -u sends a datagram to our server and prints the echo", async () => {
  await using server = await CliServer.start(["--udp", "--host", "127.0.0.1", "--port", "0"]);
  const nc = new Deno.Command("nc", {
    args: ["-u", "127.0.0.1", String(server.port)],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const sent = "hello over udp\n";
  const writer = nc.stdin.getWriter();
  await writer.write(new TextEncoder().encode(sent));
  // nc -u prints what comes back while its input is open: read the echo, then end it.
  const reader = nc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let echoed = "";
  while (echoed.length < sent.length) {
    const { value, done } = await reader.read();
    if (done) break;
    echoed += value;
  }
  await reader.cancel();
  nc.kill("SIGTERM");
  await writer.close().catch(() => {}); // nc may be gone already
  await Promise.all([nc.status, nc.stderr.cancel()]);
  assert.equal(echoed, sent);
  const { stderr } = await server.stop();
  assert.equal(stderr, `udp 127.0.0.1 received=1 answered=1 bytes=${sent.length} refused=0\n`);
});
