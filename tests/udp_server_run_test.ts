/**
 * `echoprobe server --udp [--tcp]` as it runs (cli/udp_server_run.ts): its lines go
 * through the same queues as TCP's (never waited for, drops counted), and its stop on
 * every signal.
 */
import assert from "node:assert/strict";
import { CliServer, LineReader } from "./helpers.ts";
import { TestSocket } from "./udp_helpers.ts";

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
