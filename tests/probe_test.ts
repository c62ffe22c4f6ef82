import assert from "node:assert/strict";
import { delay } from "../lib/delay.ts";
import { ProbeError } from "../lib/errors.ts";
import { fillPayload } from "../lib/payload.ts";
import { probe, Prober } from "../lib/probe.ts";
import type { Resolver } from "../lib/resolve.ts";
import { type ProbeOutcome, probeSeries } from "../lib/series.ts";
import { serve } from "../lib/server.ts";
import {
  closedPort,
  drain,
  FakeServer,
  hasIpv6Loopback,
  readRecord,
  silentIpv6BesideIpv4,
} from "./helpers.ts";

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

/** Resolves `promise`, or fails the test after `ms` (a probe that hangs must not hang the run). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const controller = new AbortController();
  const late = delay(ms, controller.signal).then((elapsed) => {
    if (elapsed) throw new Error(`${what}: not done after ${ms} ms`);
  });
  try {
    return await Promise.race([promise, late as Promise<never>]);
  } finally {
    controller.abort();
    await late;
  }
}

/** A resolver that never answers (it takes no signal, as the system's does not). */
const silentResolver: Resolver = () => new Promise<string>(() => {});

Deno.test("probe() fails with 'extra' when the echo comes with bytes beyond those sent", async () => {
  await using fake = new FakeServer(async (conn) => {
    const received = await readRecord(conn, 250);
    await conn.write(Uint8Array.of(...received, 1, 2, 3, 4, 5)); // one write: echo and 5 more
  });
  const error = await probe({ hostname: "127.0.0.1", port: fake.port }).catch((e) => e);
  assertProbeError(error, "extra", /^5 bytes more than sent came back \(255\/250 bytes back\)$/);
  assert.equal(error.details.extraBytes, 5);
  assert.equal(error.details.bytesBack, 255);
  assert.equal(error.details.size, 250);
});

Deno.test("probe() reads on to the server's close: bytes sent after the echo fail it too", async () => {
  await using fake = new FakeServer(async (conn) => {
    const received = await readRecord(conn, 250);
    await conn.write(received);
    // The server under test sends its extra bytes well after the echo, then closes.
    await delay(50);
    await conn.write(new Uint8Array(7));
  });
  const error = await probe({ hostname: "127.0.0.1", port: fake.port }).catch((e) => e);
  assertProbeError(error, "extra", /^7 bytes more than sent came back \(257\/250 bytes back\)$/);
  assert.equal(error.details.extraBytes, 7);
});

Deno.test("probe() keeps an exact echo's verdict when the server does not close by the timeout", async () => {
  await using fake = new FakeServer(async (conn, released) => {
    await conn.write(await readRecord(conn, 250));
    await released; // never closes, never sends more
  });
  const result = await probe({ hostname: "127.0.0.1", port: fake.port, timeoutMs: 200 });
  assert.equal(result.bytes, 250);
  assert.ok(result.echoMs < 150, `the wait for the close is not echo time: ${result.echoMs}`);
});

Deno.test("Prober with reuse charges bytes after an echo to that probe, at settle()", async () => {
  const go = Promise.withResolvers<void>();
  await using fake = new FakeServer(async (conn) => {
    await conn.write(await readRecord(conn, 250));
    await go.promise; // the extra bytes come once the first probe has its verdict so far
    await conn.write(new Uint8Array(3));
    await drain(conn);
  });
  await using prober = new Prober({ hostname: "127.0.0.1", port: fake.port, reuse: true });
  const first = await prober.probe(1);
  assert.equal(first.bytes, 250);
  assert.equal(prober.unsettled, true);
  go.resolve();
  const late = await prober.settle(true);
  assert.ok(late, "the extra bytes fail the first probe");
  assertProbeError(late, "extra", /^3 bytes more than sent came back \(253\/250 bytes back\)$/);
  assert.equal(late.details.seq, 1);
  assert.equal(prober.unsettled, false);
});

Deno.test("probe() connects to the address of a name that answers, after one that refuses", async () => {
  await using server = serve({ hostname: "127.0.0.3", port: 0 });
  const { port } = server.addr;
  const resolver: Resolver = (hostname) => {
    assert.equal(hostname, "echo.test");
    return Promise.resolve(["127.0.0.2", "127.0.0.3"]);
  };
  const result = await probe({ hostname: "echo.test", port, resolver });
  assert.equal(result.address, "127.0.0.3");
  assert.deepEqual(result.attempts?.map(({ address, error }) => [address, error]), [
    ["127.0.0.2", "refused"],
    ["127.0.0.3", undefined],
  ]);
});

Deno.test({
  name: "probe() interleaves the families of a name's addresses, and -6 keeps to one",
  ignore: !hasIpv6Loopback(),
  async fn() {
    await using server = serve({ hostname: "127.0.0.3", port: 0 });
    const { port } = server.addr;
    const resolver: Resolver = () => Promise.resolve(["127.0.0.2", "127.0.0.3", "::1"]);
    const result = await probe({ hostname: "echo.test", port, resolver });
    assert.deepEqual(result.attempts?.map(({ address }) => address), [
      "127.0.0.2",
      "::1",
      "127.0.0.3",
    ]);
    await using six = serve({ hostname: "::1", port: 0 });
    const ipv6 = await probe({ hostname: "echo.test", port: six.addr.port, resolver, family: 6 });
    assert.deepEqual(ipv6.attempts?.map(({ address }) => address), ["::1"]);
  },
});

Deno.test({
  name: "probe() tries the next address after attemptDelayMs when the first is silent",
  ignore: !hasIpv6Loopback(),
  async fn() {
    using pair = await silentIpv6BesideIpv4();
    const resolver: Resolver = () => Promise.resolve(["::1", "127.0.0.1"]);
    const probing = probe({
      hostname: "localhost",
      port: pair.port,
      resolver,
      attemptDelayMs: 100,
    });
    const accepted = await pair.listener.accept();
    const echo = await readRecord(accepted, 250);
    await accepted.write(echo);
    accepted.close();
    const result = await probing;
    assert.equal(result.address, "127.0.0.1");
    assert.ok(result.connectMs >= 95, `connectMs ${result.connectMs}`);
    assert.deepEqual(result.attempts?.map(({ address, error }) => [address, error]), [
      ["::1", "cancelled"],
      ["127.0.0.1", undefined],
    ]);
  },
});

Deno.test("probe() reports every address tried when none answers", async () => {
  const port = closedPort();
  const resolver: Resolver = () => Promise.resolve(["127.0.0.1", "127.0.0.2"]);
  const error = await probe({ hostname: "echo.test", port, resolver }).catch((e) => e);
  assertProbeError(
    error,
    "refused",
    /^Connection refused \(127\.0\.0\.1 refused, 127\.0\.0\.2 refused\)$/,
  );
  assert.equal(error.details.address, undefined, "no one address to blame");
  assert.equal(error.details.host, "echo.test");
  assert.equal(error.details.port, port);
  assert.deepEqual(error.details.attempts.map(({ address }: { address: string }) => address), [
    "127.0.0.1",
    "127.0.0.2",
  ]);
});

Deno.test("probe() gives up on a resolver that never answers at its timeout, as 'resolve'", async () => {
  const started = performance.now();
  const probing = probe({ hostname: "slow.test", resolver: silentResolver, timeoutMs: 200 });
  const error = await within(probing.catch((e) => e), 5_000, "the resolve");
  assertProbeError(error, "resolve", /^Timeout after 200ms resolving "slow\.test"$/);
  assert.equal(error.details.phase, "resolve");
  assert.ok(performance.now() - started >= 190);
});

Deno.test("probeSeries() ends a resolve that never answers at its deadline, and counts that probe", async () => {
  const started = performance.now();
  const series = probeSeries({
    hostname: "slow.test",
    resolver: silentResolver,
    deadlineMs: 200,
    count: 3,
  });
  const outcomes: ProbeOutcome[] = [];
  const end = await within(
    (async () => {
      for (let next = await series.next();; next = await series.next()) {
        if (next.done) return next.value;
        outcomes.push(next.value);
      }
    })(),
    5_000,
    "the series",
  );
  assert.equal(end.stoppedBy, "deadline");
  assert.equal(outcomes.length, 1, "a probe cut short by the deadline is reported");
  const [outcome] = outcomes;
  assert.ok(outcome && !outcome.ok);
  assertProbeError(outcome.error, "timeout", /^Deadline of 200ms reached resolving "slow\.test"$/);
  assert.equal(outcome.error.details.phase, "resolve");
  assert.ok(performance.now() - started >= 190);
});

Deno.test("probe() stops resolving on its signal (Ctrl-C), with the signal's reason", async () => {
  const controller = new AbortController();
  const reason = new Error("interrupted");
  const probing = probe({
    hostname: "slow.test",
    resolver: silentResolver,
    signal: controller.signal,
  });
  controller.abort(reason);
  await assert.rejects(within(probing, 5_000, "the resolve"), (error) => error === reason);
});

Deno.test("probe() times the network only: making a large payload is not connect time", async () => {
  const size = 16 << 20;
  await using server = serve({ hostname: "127.0.0.1", port: 0, recordSize: size });
  const buffer = new Uint8Array(size);
  let fillMs = Infinity;
  for (let seq = 1; seq <= 3; seq++) {
    const started = performance.now();
    fillPayload(buffer, { kind: "random" }, 1, seq);
    fillMs = Math.min(fillMs, performance.now() - started);
  }
  await using prober = new Prober({ hostname: "127.0.0.1", port: server.addr.port, size });
  let connectMs = Infinity;
  for (let seq = 1; seq <= 3; seq++) {
    connectMs = Math.min(connectMs, (await prober.probe(seq)).connectMs);
  }
  assert.ok(connectMs < fillMs / 4, `connect ${connectMs} ms, payload ${fillMs} ms`);
});

Deno.test("probe() failures say where: the address and port, and the local address once connected", async () => {
  const port = closedPort();
  const refused = await probe({ hostname: "127.0.0.1", port }).catch((e) => e);
  assertProbeError(refused, "refused", /^Connection refused$/);
  assert.deepEqual(
    [refused.details.host, refused.details.address, refused.details.port, refused.details.local],
    ["127.0.0.1", "127.0.0.1", port, undefined],
  );
  await using fake = new FakeServer((_conn, released) => released);
  const timeout = await probe({ hostname: "127.0.0.1", port: fake.port, timeoutMs: 200 })
    .catch((e) => e);
  assertProbeError(timeout, "timeout", /waiting for echo/);
  assert.equal(timeout.details.address, "127.0.0.1");
  assert.equal(timeout.details.port, fake.port);
  assert.match(timeout.details.local, /^127\.0\.0\.1:\d+$/);
});
