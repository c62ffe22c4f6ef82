/**
 * The server's limits over real sockets: --max-connections, --max-per-ip and --allow
 * (lib/admission.ts, unit-tested in admission_test.ts), --max-bytes (lib/echo.ts),
 * --max-duration (lib/deadline.ts), and a connection gone before it is accepted.
 */
import assert from "node:assert/strict";
import { parseCidr } from "../lib/cidr.ts";
import type { RejectInfo } from "../lib/admission.ts";
import type { ConnectionInfo } from "../lib/echo.ts";
import { serve, type ServeOptions } from "../lib/server.ts";
import { drain, hasIpv6Loopback, readRecord } from "./helpers.ts";

/** A server whose closes and rejects can be awaited in order. */
function startServer(options: ServeOptions) {
  const events: (ConnectionInfo | RejectInfo)[] = [];
  let wake = () => {};
  const server = serve({
    port: 0,
    ...options,
    onClose: (info) => {
      events.push(info);
      wake();
    },
    onReject: (info) => {
      events.push(info);
      wake();
    },
  });
  const nth = async (n: number) => {
    while (events.length < n) await new Promise<void>((resolve) => wake = resolve);
    return events[n - 1]!;
  };
  return { server, events, nth };
}

async function exchange(conn: Deno.Conn, fill = 1) {
  const sent = new Uint8Array(250).fill(fill);
  await conn.write(sent);
  assert.deepEqual(await readRecord(conn, 250), sent);
}

Deno.test("--max-connections closes extra connections at accept and keeps serving the others", async () => {
  const { server, nth } = startServer({ hostname: "127.0.0.1", maxConnections: 2 });
  await using _ = server;
  const port = server.addr.port;
  using first = await Deno.connect({ hostname: "127.0.0.1", port });
  using second = await Deno.connect({ hostname: "127.0.0.1", port });
  await exchange(first);
  await exchange(second);
  {
    using extra = await Deno.connect({ hostname: "127.0.0.1", port });
    await drain(extra); // closed by the server at once
    assert.equal(((await nth(1)) as RejectInfo).reason, "max-connections");
  }
  await exchange(first, 2);
  assert.equal(server.stats().rejected, 1);
  first.close();
  assert.equal(((await nth(2)) as ConnectionInfo).reason, "eof");
  using third = await Deno.connect({ hostname: "127.0.0.1", port });
  await exchange(third, 3);
});

Deno.test("--max-per-ip and --allow hold for IPv4 loopback", async () => {
  const { server, nth } = startServer({
    hostname: "127.0.0.1",
    maxPerIp: 1,
    allow: [parseCidr("127.0.0.1/32")],
  });
  await using _ = server;
  const port = server.addr.port;
  using one = await Deno.connect({ hostname: "127.0.0.1", port });
  await exchange(one);
  {
    using two = await Deno.connect({ hostname: "127.0.0.1", port });
    await drain(two);
    assert.equal(((await nth(1)) as RejectInfo).reason, "max-per-ip");
  }
  {
    // The same peer, 127.0.0.1, outside the only range another server allows.
    const other = startServer({ hostname: "127.0.0.1", allow: [parseCidr("127.0.0.2/32")] });
    await using __ = other.server;
    using denied = await Deno.connect({ hostname: "127.0.0.1", port: other.server.addr.port });
    await drain(denied);
    const reject = (await other.nth(1)) as RejectInfo;
    assert.equal(reject.reason, "not-allowed");
    assert.equal(reject.remoteAddr.hostname, "127.0.0.1");
  }
  await exchange(one, 2);
});

Deno.test("--allow written as IPv4-mapped IPv6 admits the IPv4 peer it names", async () => {
  for (const range of ["::ffff:7f00:1", "::ffff:127.0.0.0/104", "0:0:0:0:0:FFFF:127.0.0.1"]) {
    const { server, events } = startServer({ hostname: "127.0.0.1", allow: [parseCidr(range)] });
    await using _ = server;
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await exchange(conn);
    assert.deepEqual(events, [], `${range}: nothing rejected`);
  }
});

Deno.test({
  name: "--max-per-ip and --allow hold for IPv6 loopback",
  ignore: !hasIpv6Loopback(),
  async fn() {
    const allowed = startServer({ hostname: "::1", maxPerIp: 1, allow: [parseCidr("::1/128")] });
    await using _ = allowed.server;
    const port = allowed.server.addr.port;
    using one = await Deno.connect({ hostname: "::1", port });
    await exchange(one);
    {
      using two = await Deno.connect({ hostname: "::1", port });
      await drain(two);
      assert.equal(((await allowed.nth(1)) as RejectInfo).reason, "max-per-ip");
    }
    const v4only = startServer({ hostname: "::1", allow: [parseCidr("127.0.0.0/8")] });
    await using __ = v4only.server;
    using denied = await Deno.connect({ hostname: "::1", port: v4only.server.addr.port });
    await drain(denied);
    assert.equal(((await v4only.nth(1)) as RejectInfo).reason, "not-allowed");
  },
});

Deno.test("--max-bytes closes a connection, with reason limit, before the record past it", async () => {
  const { server, nth } = startServer({ hostname: "127.0.0.1", maxBytes: 500 });
  await using _ = server;
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  await exchange(conn, 1);
  await exchange(conn, 2);
  await conn.write(new Uint8Array(250).fill(3));
  assert.equal((await readRecord(conn, 250)).length, 0, "the third record is not echoed");
  const info = (await nth(1)) as ConnectionInfo;
  assert.equal(info.reason, "limit");
  assert.equal(info.bytes, 500);
});

Deno.test("--max-duration closes a busy connection with reason limit", async () => {
  const { server, nth } = startServer({
    hostname: "127.0.0.1",
    maxDurationMs: 200,
    timeoutMs: 10_000,
  });
  await using _ = server;
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  const started = performance.now();
  let exchanges = 0;
  // Keep exchanging until the server ends the connection (bounded in count).
  for (; exchanges < 1_000_000; exchanges++) {
    await conn.write(new Uint8Array(250));
    if ((await readRecord(conn, 250)).length < 250) break;
  }
  const info = (await nth(1)) as ConnectionInfo;
  assert.equal(info.reason, "limit");
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 190 && elapsed < 1_000, `closed after ${elapsed} ms`);
  assert.equal(info.records, exchanges);
});

Deno.test("a connection reset before it is accepted is reported, and the server goes on", async () => {
  const errors: Error[] = [];
  await using server = serve({
    hostname: "127.0.0.1",
    port: 0,
    onAcceptError: (error) => errors.push(error),
  });
  // outputSync holds this event loop, so the reset lands while the connection is queued.
  const python = new Deno.Command("python3", {
    args: [
      "-c",
      `import socket, struct
s = socket.create_connection(("127.0.0.1", ${server.addr.port}))
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()`,
    ],
  }).outputSync();
  assert.ok(python.success);
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  await exchange(conn);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof Deno.errors.NotConnected, String(errors[0]));
  assert.equal(server.stats().connections, 1);
});
