import assert from "node:assert/strict";
import { readFull, writeAll } from "../lib/record.ts";
import { idlePeer, PEER_KEYS, peerOrder, PEERS, RunningServer } from "../bench/servers.ts";
import { openFilesLimit, output } from "../bench/system.ts";

/** Sends `bytes` to `port`, shuts down the sending side, and reads until EOF. */
async function exchange(port: number, bytes: Uint8Array): Promise<Uint8Array> {
  using conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const [, echoed] = await Promise.all([
    writeAll(conn, bytes).then(() => conn.closeWrite()),
    new Response(conn.readable).bytes(),
  ]);
  return echoed;
}

Deno.test("peerOrder() rotates the peers by one each round and comes back after five", () => {
  assert.deepEqual(peerOrder(0), [...PEER_KEYS]);
  assert.deepEqual(peerOrder(1), ["echoprobe", "echoprobeNoLog", "bare", "node", "reference"]);
  assert.deepEqual(peerOrder(5), peerOrder(0));
});

Deno.test("every peer listens with a backlog of 4096, echoprobe by flag; the idle run lifts its limit", () => {
  const echoprobe = PEERS.echoprobe.command.join(" ");
  assert.match(echoprobe, /main\.ts server --host 127\.0\.0\.1 --port 0 --backlog 4096$/);
  assert.match(PEERS.echoprobeNoLog.command.join(" "), /--backlog 4096 --log none$/);
  assert.match(idlePeer("echoprobe", 19_000).command.join(" "), /--max-connections 19000$/);
  assert.equal(idlePeer("node", 19_000), PEERS.node);
});

Deno.test("RunningServer runs a peer on core 0 and reads back the port the kernel picked", async () => {
  await using server = await RunningServer.start(PEERS.bare, await openFilesLimit());
  assert.ok(server.port > 0);
  const status = await output(["cat", `/proc/${server.pid}/status`]);
  assert.match(status, /^Cpus_allowed_list:\s+0$/m);
  const record = crypto.getRandomValues(new Uint8Array(250));
  assert.deepEqual(await exchange(server.port, record), record);
  const stopped = await server.stop();
  assert.equal(stopped.code, 0); // SIGINT: a clean exit, so that --cpu-prof can write
});

Deno.test("RunningServer runs Node's socket.pipe(socket) peer, which echoes a stream", async () => {
  await using server = await RunningServer.start(PEERS.node, await openFilesLimit());
  const bytes = crypto.getRandomValues(new Uint8Array(65_536));
  assert.deepEqual(await exchange(server.port, bytes), bytes);
});

Deno.test("RunningServer.start() fails when the server ends before its ready line", async () => {
  const peer = { ...PEERS.bare, command: ["sh", "-c", "exit 3"] };
  await assert.rejects(() => RunningServer.start(peer, 1024), {
    message: /ended before it was ready/,
  });
});

Deno.test("RunningServer reads the server's memory, CPU time and descriptors", async () => {
  await using server = await RunningServer.start(PEERS.bare, await openFilesLimit());
  const files = await server.openFiles();
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const record = new Uint8Array(250).fill(1);
  await writeAll(conn, record);
  await readFull(conn, new Uint8Array(250)); // the server has accepted it by now
  assert.equal(await server.openFiles(), files + 1);
  const sample = await server.sample();
  assert.ok(sample.rssKiB > 10_000, `RSS ${sample.rssKiB} KiB`);
  assert.ok(sample.peakKiB >= sample.rssKiB);
  // CPU time counts in clock ticks (10 ms here): echo records until it shows some.
  const echoed = new Uint8Array(250);
  let cpuSeconds = sample.cpuSeconds;
  for (let batch = 0; batch < 50 && cpuSeconds === sample.cpuSeconds; batch++) {
    for (let i = 0; i < 500; i++) {
      await writeAll(conn, record);
      await readFull(conn, echoed);
    }
    cpuSeconds = (await server.sample()).cpuSeconds;
  }
  assert.ok(cpuSeconds > sample.cpuSeconds, `CPU time stayed at ${cpuSeconds} s`);
});
