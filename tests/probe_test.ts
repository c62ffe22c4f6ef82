import assert from "node:assert/strict";
import { ProbeError } from "../lib/errors.ts";
import { probe } from "../lib/probe.ts";
import { serve } from "../lib/server.ts";
import { closedPort, FakeServer, hasIpv6Loopback, readRecord } from "./helpers.ts";

function assertProbeError(error: unknown, code: string, message: RegExp): ProbeError {
  assert.ok(error instanceof ProbeError, `expected a ProbeError, got ${error}`);
  assert.equal(error.code, code);
  assert.match(error.message, message);
  return error;
}

Deno.test("probe() exchanges 250 bytes with serve() and reports addresses and times", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const result = await probe({ hostname: "127.0.0.1", port: server.addr.port }, 7);
  assert.equal(result.seq, 7);
  assert.equal(result.bytes, 250);
  assert.equal(result.address, "127.0.0.1");
  assert.equal(result.port, server.addr.port);
  assert.equal(result.localAddress, "127.0.0.1");
  assert.ok(result.localPort > 0 && result.localPort !== server.addr.port);
  assert.equal(result.resolveMs < 1, true, "an IP literal is not resolved");
  assert.ok(result.connectMs > 0 && result.echoMs > 0);
  assert.ok(Math.abs(result.timeMs - (result.connectMs + result.echoMs)) < 1e-6);
});

Deno.test("probe() resolves localhost through the system resolver", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const result = await probe({ hostname: "localhost", port: server.addr.port });
  assert.equal(result.hostname, "localhost");
  assert.equal(result.address, "127.0.0.1");
});

Deno.test("probe() sends a different payload per seq, and the server echoes it exactly", async () => {
  const payloads: Uint8Array[] = [];
  await using fake = new FakeServer(async (conn) => {
    const received = await readRecord(conn, 250);
    payloads.push(received.slice());
    await conn.write(received);
  });
  await probe({ hostname: "127.0.0.1", port: fake.port }, 1);
  await probe({ hostname: "127.0.0.1", port: fake.port }, 2);
  assert.equal(payloads.length, 2);
  assert.notDeepEqual(payloads[0], payloads[1]);
});

Deno.test("probe() gets back a payload that is not a whole number of records", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const result = await probe({ hostname: "127.0.0.1", port: server.addr.port, size: 1024 });
  assert.equal(result.bytes, 1024);
});

Deno.test("probe() moves a 16 MiB payload without deadlock", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0, recordSize: 16 << 20 });
  const result = await probe({ hostname: "127.0.0.1", port: server.addr.port, size: 16 << 20 });
  assert.equal(result.bytes, 16 << 20);
});

Deno.test("probe() fails with 'refused' against a closed port", async () => {
  const error = await probe({ hostname: "127.0.0.1", port: closedPort() }).catch((e) => e);
  assertProbeError(error, "refused", /^Connection refused$/);
  assert.equal(error.details.seq, 1);
});

Deno.test("probe() fails with 'timeout' against a server that never echoes", async () => {
  await using fake = new FakeServer((_conn, released) => released);
  const started = performance.now();
  const error = await probe({ hostname: "127.0.0.1", port: fake.port, timeoutMs: 200 })
    .catch((e) => e);
  assert.ok(performance.now() - started >= 190);
  assertProbeError(
    error,
    "timeout",
    /^Timeout after 200ms waiting for echo \(0\/250 bytes back\)$/,
  );
  assert.equal(error.details.phase, "echo");
  assert.equal(error.details.bytesBack, 0);
});

Deno.test("probe() counts the bytes back when the echo stalls part way", async () => {
  await using fake = new FakeServer(async (conn, released) => {
    const received = await readRecord(conn, 250);
    await conn.write(received.subarray(0, 120));
    await released;
  });
  const error = await probe({ hostname: "127.0.0.1", port: fake.port, timeoutMs: 200 })
    .catch((e) => e);
  assertProbeError(error, "timeout", /\(120\/250 bytes back\)$/);
  assert.equal(error.details.bytesBack, 120);
});

Deno.test("probe() reports the offset, bytes and count of a corrupted echo", async () => {
  let sentByte = -1;
  await using fake = new FakeServer(async (conn) => {
    const received = await readRecord(conn, 250);
    sentByte = received[17]!;
    received[17] = sentByte ^ 0xff;
    await conn.write(received);
  });
  const error = await probe({ hostname: "127.0.0.1", port: fake.port }).catch((e) => e);
  assertProbeError(error, "mismatch", /^Echo mismatch at byte 17 \(sent 0x.., got 0x..; 1 of 250/);
  assert.equal(error.details.offset, 17);
  assert.equal(error.details.expected, sentByte);
  assert.equal(error.details.actual, sentByte ^ 0xff);
  assert.equal(error.details.differing, 1);
});

Deno.test("probe() fails with 'short' when the server closes before the full echo", async () => {
  await using fake = new FakeServer(async (conn) => {
    const received = await readRecord(conn, 250);
    await conn.write(received.subarray(0, 100));
  });
  const error = await probe({ hostname: "127.0.0.1", port: fake.port }).catch((e) => e);
  assertProbeError(error, "short", /^Connection closed by the server \(100\/250 bytes back\)$/);
  assert.equal(error.details.bytesBack, 100);
});

Deno.test("probe() rejects with the caller's reason when its signal aborts", async () => {
  await using fake = new FakeServer((_conn, released) => released);
  const controller = new AbortController();
  const reason = new Error("interrupted");
  const probing = probe({ hostname: "127.0.0.1", port: fake.port, signal: controller.signal });
  // Abort once the server holds the connection: the probe is waiting for its echo.
  await fake.accepted;
  controller.abort(reason);
  await assert.rejects(probing, (error) => error === reason);
});

Deno.test({
  name: "probe() reaches a server on IPv6 loopback",
  ignore: !hasIpv6Loopback(),
  async fn() {
    await using server = serve({ hostname: "::1", port: 0 });
    const result = await probe({ hostname: "::1", port: server.addr.port });
    assert.equal(result.address, "::1");
    assert.equal(result.localAddress, "::1");
  },
});
