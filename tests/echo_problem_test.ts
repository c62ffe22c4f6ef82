/**
 * The error of an echo that ended before its last byte (lib/echo_problem.ts): pure, then
 * through probe() against servers on loopback that send back wrong bytes and stop.
 */
import assert from "node:assert/strict";
import { parseCidr } from "../lib/cidr.ts";
import { deadlineProblem, echoProblem } from "../lib/echo_problem.ts";
import { ProbeError } from "../lib/errors.ts";
import { probe, Prober } from "../lib/probe.ts";
import { serve } from "../lib/server.ts";
import { EchoBuffers } from "../lib/verdict.ts";
import { FakeServer, readRecord } from "./helpers.ts";

const live = new AbortController().signal;

Deno.test("echoProblem() is a timeout once the echo's deadline aborted, whatever else failed", () => {
  const error = echoProblem(
    { bytesBack: 10, size: 250, signal: AbortSignal.abort(), timeoutMs: 200 },
    { seq: 3 },
    new Deno.errors.BadResource("closed"),
  );
  assert.ok(error instanceof ProbeError);
  assert.equal(error.code, "timeout");
  assert.equal(error.message, "Timeout after 200ms waiting for echo (10/250 bytes back)");
  assert.deepEqual(error.details, { seq: 3, size: 250, bytesBack: 10, phase: "echo" });
});

Deno.test("echoProblem() is a reset for a reset connection, with the cause", () => {
  const failure = new Deno.errors.ConnectionReset("Connection reset by peer");
  const error = echoProblem(
    { bytesBack: 10, size: 250, signal: live, timeoutMs: 1_000 },
    { seq: 1 },
    failure,
  );
  assert.equal(error.code, "reset");
  assert.equal(error.message, "Connection reset (10/250 bytes back)");
  assert.deepEqual(error.details, { seq: 1, size: 250, bytesBack: 10, phase: "echo" });
  assert.equal(error.cause, failure);
});

Deno.test("echoProblem() is an error with the failure's message for anything else", () => {
  const failure = new Error("Bad file descriptor");
  const error = echoProblem(
    { bytesBack: 120, size: 250, signal: live, timeoutMs: 1_000 },
    { seq: 2 },
    failure,
  );
  assert.equal(error.code, "error");
  assert.equal(error.message, "Echo failed (120/250 bytes back): Bad file descriptor");
  assert.equal(error.cause, failure);
});

Deno.test("echoProblem() is short when the server closed before the full echo", () => {
  const error = echoProblem(
    { bytesBack: 100, size: 250, signal: live, timeoutMs: 1_000 },
    { seq: 4 },
    undefined,
  );
  assert.equal(error.code, "short");
  assert.equal(error.message, "Connection closed by the server (100/250 bytes back)");
  assert.deepEqual(error.details, { seq: 4, size: 250, bytesBack: 100, phase: "echo" });
});

/** Buffers of a 250-byte probe whose first `back` bytes came back, byte `changed` altered. */
function partialEcho(back: number, changed?: number): EchoBuffers {
  const buffers = new EchoBuffers(250, 250);
  buffers.payload.set(Uint8Array.from({ length: 250 }, (_, i) => (i * 7 + 1) & 0xff));
  buffers.echo.set(buffers.payload.subarray(0, back));
  if (changed !== undefined) buffers.echo[changed]! ^= 0xff;
  return buffers;
}

Deno.test("echoProblem() compares the bytes that came back: changed ones are a mismatch that says how the echo ended", () => {
  const buffers = partialEcho(20, 3);
  const sent = buffers.payload[3]!;
  const hex = (byte: number) => `0x${byte.toString(16).padStart(2, "0")}`;
  const state = { bytesBack: 20, size: 250, signal: live, timeoutMs: 1_000 };
  const reset = new Deno.errors.ConnectionReset("Connection reset by peer");
  const cases: [string, ReturnType<typeof echoProblem>, string][] = [
    [
      "short",
      echoProblem(state, { seq: 1 }, undefined, buffers),
      "connection closed by the server",
    ],
    ["reset", echoProblem(state, { seq: 1 }, reset, buffers), "connection reset"],
    [
      "timeout",
      echoProblem({ ...state, signal: AbortSignal.abort() }, { seq: 1 }, undefined, buffers),
      "timeout after 1s waiting for echo",
    ],
  ];
  for (const [ended, error, how] of cases) {
    assert.equal(error.code, "mismatch", ended);
    assert.equal(
      error.message,
      `Echo mismatch at byte 3 (sent ${hex(sent)}, got ${
        hex(sent ^ 0xff)
      }; 1 of 20 bytes back differ), then ${how} (20/250 bytes back)`,
    );
    assert.deepEqual(error.details, {
      seq: 1,
      size: 250,
      bytesBack: 20,
      phase: "echo",
      offset: 3,
      expected: sent,
      actual: sent ^ 0xff,
      differing: 1,
      ended,
    });
  }
  const failed = echoProblem(state, { seq: 1 }, new Error("Bad file descriptor"), buffers);
  assert.equal(failed.code, "mismatch");
  assert.match(failed.message, /, then echo failed \(20\/250 bytes back\): Bad file descriptor$/);
  assert.equal(failed.details.ended, "error");
});

Deno.test("echoProblem() keeps short, reset and timeout when the bytes that came back are right", () => {
  const buffers = partialEcho(20);
  const state = { bytesBack: 20, size: 250, signal: live, timeoutMs: 1_000 };
  assert.equal(echoProblem(state, { seq: 1 }, undefined, buffers).code, "short");
  const reset = new Deno.errors.ConnectionReset("reset");
  assert.equal(echoProblem(state, { seq: 1 }, reset, buffers).code, "reset");
  const aborted = { ...state, signal: AbortSignal.abort() };
  assert.equal(echoProblem(aborted, { seq: 1 }, undefined, buffers).code, "timeout");
});

Deno.test("echoProblem() of a connection closed or reset before any byte came back says it may have been refused", () => {
  const state = { bytesBack: 0, size: 250, signal: live, timeoutMs: 1_000 };
  const closed = echoProblem(state, { seq: 1 }, undefined, partialEcho(0));
  assert.equal(closed.code, "short");
  assert.equal(
    closed.message,
    "Connection closed by the server before any byte came back (0/250 bytes back): a connection limit or allow list may have refused it",
  );
  const reset = echoProblem(state, { seq: 1 }, new Deno.errors.ConnectionReset("reset"));
  assert.equal(reset.code, "reset");
  assert.equal(
    reset.message,
    "Connection reset before any byte came back (0/250 bytes back): a connection limit or allow list may have refused it",
  );
  const timeout = echoProblem({ ...state, signal: AbortSignal.abort() }, { seq: 1 }, undefined);
  assert.equal(timeout.message, "Timeout after 1s waiting for echo (0/250 bytes back)");
});

Deno.test("deadlineProblem() is a timeout in the phase the deadline cut, and says the deadline did it", () => {
  const where = { seq: 2, host: "echo.test", port: 3005 };
  const cases: [ProbeError, string][] = [
    [
      deadlineProblem({ ...where, phase: "resolve" }, 1_500),
      'Deadline of 1.5s reached resolving "echo.test"',
    ],
    [deadlineProblem({ ...where, phase: "connect" }, 1_500), "Deadline of 1.5s reached connecting"],
    [
      deadlineProblem({ ...where, phase: "tls" }, 1_500),
      "Deadline of 1.5s reached in the TLS handshake",
    ],
    [
      deadlineProblem({ ...where, phase: "echo", size: 250, bytesBack: 40 }, 1_500),
      "Deadline of 1.5s reached waiting for echo (40/250 bytes back)",
    ],
  ];
  for (const [error, message] of cases) {
    assert.equal(error.code, "timeout");
    assert.equal(error.message, message);
    assert.equal(error.details.host, "echo.test");
  }
  assert.deepEqual(cases.map(([error]) => error.details.phase), [
    "resolve",
    "connect",
    "tls",
    "echo",
  ]);
});

Deno.test("deadlineProblem() of an echo whose bytes back differ is a mismatch, ended by the timeout", () => {
  const difference = { offset: 0, expected: 0x41, actual: 0x48, differing: 12 };
  const error = deadlineProblem(
    { seq: 1, phase: "echo", size: 250, bytesBack: 20, ...difference },
    1_000,
  );
  assert.equal(error.code, "mismatch");
  assert.equal(
    error.message,
    "Echo mismatch at byte 0 (sent 0x41, got 0x48; 12 of 20 bytes back differ), then deadline of 1s reached waiting for echo (20/250 bytes back)",
  );
  assert.equal(error.details.ended, "timeout");
});

Deno.test("probe() of a server that answers an HTTP error and closes: a mismatch at byte 0, not short", async () => {
  const answer = new TextEncoder().encode("HTTP/1.0 400 Bad\r\n\r\n");
  await using fake = new FakeServer(async (conn) => {
    await readRecord(conn, 250);
    await conn.write(answer);
  });
  const error = await probe({ hostname: "127.0.0.1", port: fake.port }).catch((e) => e);
  assert.ok(error instanceof ProbeError);
  assert.equal(error.code, "mismatch", error.message);
  assert.match(
    error.message,
    /^Echo mismatch at byte 0 \(sent 0x.., got 0x48; \d+ of 20 bytes back differ\), then connection closed by the server \(20\/250 bytes back\)$/,
  );
  assert.equal(error.details.bytesBack, 20);
  assert.equal(error.details.ended, "short");
  assert.equal(error.details.phase, "echo");
});

Deno.test("probe() of a server that sends back wrong bytes, then stalls: a mismatch ended by the timeout", async () => {
  await using fake = new FakeServer(async (conn, released) => {
    const received = await readRecord(conn, 250);
    received[5]! ^= 1;
    await conn.write(received.subarray(0, 100));
    await released;
  });
  const error = await probe({ hostname: "127.0.0.1", port: fake.port, timeoutMs: 200 })
    .catch((e) => e);
  assert.ok(error instanceof ProbeError);
  assert.equal(error.code, "mismatch", error.message);
  assert.match(error.message, /; 1 of 100 bytes back differ\), then timeout after 200ms waiting/);
  assert.deepEqual([error.details.offset, error.details.ended], [5, "timeout"]);
});

Deno.test("Prober with reuse does not retry a kept connection that sent back wrong bytes and closed", async () => {
  let connections = 0;
  await using fake = new FakeServer(async (conn) => {
    connections++;
    await conn.write(await readRecord(conn, 250)); // the first probe's echo
    const second = await readRecord(conn, 250);
    second[0]! ^= 1;
    await conn.write(second.subarray(0, 50)); // then the server closes
  });
  await using prober = new Prober({ hostname: "127.0.0.1", port: fake.port, reuse: true });
  await prober.probe(1);
  assert.equal(await prober.settle(), undefined);
  const error = await prober.probe(2).catch((e) => e);
  assert.ok(error instanceof ProbeError);
  assert.equal(error.code, "mismatch", error.message);
  assert.equal(error.details.ended, "short");
  assert.deepEqual([prober.drops, connections], [0, 1], "a wrong echo is a verdict, not a drop");
});

Deno.test("probe() of echoprobe's server refusing it at accept (allow list) says it may have been refused", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0, allow: [parseCidr("10.0.0.0/8")] });
  const error = await probe({ hostname: "127.0.0.1", port: server.addr.port }).catch((e) => e);
  assert.ok(error instanceof ProbeError);
  assert.ok(["short", "reset"].includes(error.code), error.message);
  assert.match(
    error.message,
    /before any byte came back \(0\/250 bytes back\): a connection limit or allow list may have refused it$/,
  );
});
