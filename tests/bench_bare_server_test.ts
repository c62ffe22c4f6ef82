import assert from "node:assert/strict";
import { readFull, writeAll } from "../lib/record.ts";
import { PEERS, RunningServer } from "../bench/servers.ts";
import { openFilesLimit } from "../bench/system.ts";

Deno.test("the bare record loop echoes records sent in pieces, one after another", async () => {
  await using server = await RunningServer.start(PEERS.bare, await openFilesLimit());
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  for (let record = 0; record < 3; record++) {
    const bytes = crypto.getRandomValues(new Uint8Array(250));
    for (const [start, end] of [[0, 1], [1, 100], [100, 250]]) {
      await writeAll(conn, bytes.subarray(start, end));
    }
    const echoed = new Uint8Array(250);
    assert.equal(await readFull(conn, echoed), 250);
    assert.deepEqual(echoed, bytes);
  }
});

Deno.test("the bare record loop echoes the partial record left at end of stream, then closes", async () => {
  await using server = await RunningServer.start(PEERS.bare, await openFilesLimit());
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const bytes = crypto.getRandomValues(new Uint8Array(600)); // two records and 100 bytes
  await writeAll(conn, bytes);
  await conn.closeWrite();
  const back = new Uint8Array(601);
  assert.equal(await readFull(conn, back), 600);
  assert.deepEqual(back.subarray(0, 600), bytes);
});
