/**
 * `probeSeries()`: how a series ends, against real sockets on loopback: a probe the
 * deadline cuts short is counted (failed, `timeout`, the phase it was in), a deadline
 * between probes counts nothing, Ctrl-C (the signal) counts nothing.
 */
import assert from "node:assert/strict";
import { ProbeError } from "../lib/errors.ts";
import {
  type ProbeOutcome,
  probeSeries,
  type SeriesEnd,
  type SeriesOptions,
} from "../lib/series.ts";
import { serve } from "../lib/server.ts";
import { FakeServer, readRecord, silentListener } from "./helpers.ts";

/** Runs a series to its end: its outcomes, and why it ended. */
async function runSeries(
  options: SeriesOptions,
  onOutcome?: (outcome: ProbeOutcome) => void,
): Promise<{ outcomes: ProbeOutcome[]; end: SeriesEnd; elapsedMs: number }> {
  const started = performance.now();
  const outcomes: ProbeOutcome[] = [];
  const series = probeSeries(options);
  for (let next = await series.next();; next = await series.next()) {
    if (next.done) return { outcomes, end: next.value, elapsedMs: performance.now() - started };
    outcomes.push(next.value);
    onOutcome?.(next.value);
  }
}

/** The one failure of a series' outcomes. */
function onlyFailure(outcomes: ProbeOutcome[]): ProbeError {
  assert.equal(outcomes.length, 1, JSON.stringify(outcomes));
  const [outcome] = outcomes;
  assert.ok(outcome && !outcome.ok, "a failure");
  return outcome.error;
}

Deno.test("probeSeries() counts a probe its deadline cuts short in the echo: failed, timeout, phase echo", async () => {
  await using fake = new FakeServer(async (conn, released) => {
    await readRecord(conn, 250); // and never echo
    await released;
  });
  const { outcomes, end, elapsedMs } = await runSeries({
    hostname: "127.0.0.1",
    port: fake.port,
    count: 3,
    intervalMs: 100,
    deadlineMs: 300,
    timeoutMs: 5_000,
  });
  assert.equal(end.stoppedBy, "deadline");
  const error = onlyFailure(outcomes);
  assert.equal(error.code, "timeout");
  assert.equal(error.message, "Deadline of 300ms reached waiting for echo (0/250 bytes back)");
  assert.equal(error.details.seq, 1);
  assert.equal(error.details.phase, "echo");
  assert.equal(error.details.bytesBack, 0);
  assert.equal(error.details.address, "127.0.0.1");
  assert.match(error.details.local ?? "", /^127\.0\.0\.1:\d+$/);
  assert.ok(
    elapsedMs >= 290 && elapsedMs < 4_000,
    `${elapsedMs} ms: the deadline, not the timeout`,
  );
});

Deno.test("probeSeries() counts a probe its deadline cuts short while connecting: phase connect", async () => {
  using silent = await silentListener("127.0.0.1");
  const { outcomes, end } = await runSeries({
    hostname: "127.0.0.1",
    port: silent.port,
    deadlineMs: 300,
    timeoutMs: 5_000,
  });
  assert.equal(end.stoppedBy, "deadline");
  const error = onlyFailure(outcomes);
  assert.equal(error.code, "timeout");
  assert.equal(error.message, "Deadline of 300ms reached connecting");
  assert.equal(error.details.phase, "connect");
  assert.equal(error.details.port, silent.port);
});

Deno.test("probeSeries() counts a probe its deadline cuts short in the TLS handshake: phase tls", async () => {
  await using fake = new FakeServer((_conn, released) => released); // never answers the hello
  const { outcomes, end } = await runSeries({
    hostname: "127.0.0.1",
    port: fake.port,
    tls: { insecureSkipVerify: true },
    deadlineMs: 300,
    timeoutMs: 5_000,
  });
  assert.equal(end.stoppedBy, "deadline");
  const error = onlyFailure(outcomes);
  assert.equal(error.code, "timeout");
  assert.equal(error.message, "Deadline of 300ms reached in the TLS handshake");
  assert.equal(error.details.phase, "tls");
});

Deno.test("probeSeries() counts a probe on a kept connection that its deadline cuts short", async () => {
  await using fake = new FakeServer(async (conn, released) => {
    await conn.write(await readRecord(conn, 250)); // the first probe's echo, and no more
    await released;
  });
  const { outcomes, end } = await runSeries({
    hostname: "127.0.0.1",
    port: fake.port,
    reuse: true,
    count: 5,
    intervalMs: 100,
    deadlineMs: 400,
    timeoutMs: 5_000,
  });
  assert.equal(end.stoppedBy, "deadline");
  assert.deepEqual(outcomes.map((outcome) => outcome.ok), [true, false]);
  const [, second] = outcomes;
  assert.ok(second && !second.ok);
  assert.equal(second.error.code, "timeout");
  assert.equal(second.error.details.phase, "echo");
  assert.equal(second.seq, 2);
});

Deno.test("probeSeries() counts nothing when its deadline falls between two probes", async () => {
  await using server = serve({ hostname: "127.0.0.1", port: 0 });
  const { outcomes, end, elapsedMs } = await runSeries({
    hostname: "127.0.0.1",
    port: server.addr.port,
    count: 3,
    intervalMs: 1_000,
    deadlineMs: 300,
  });
  assert.equal(end.stoppedBy, "deadline");
  assert.deepEqual(outcomes.map((outcome) => outcome.ok), [true], "the one probe sent");
  assert.ok(elapsedMs < 900, `${elapsedMs} ms: the wait ends at the deadline`);
});

Deno.test("probeSeries() does not count a probe that its signal (Ctrl-C) interrupts", async () => {
  await using fake = new FakeServer(async (conn, released) => {
    await readRecord(conn, 250);
    await released;
  });
  const interrupt = new AbortController();
  const running = runSeries({
    hostname: "127.0.0.1",
    port: fake.port,
    count: 3,
    deadlineMs: 10_000,
    timeoutMs: 5_000,
    signal: interrupt.signal,
  });
  await fake.accepted;
  interrupt.abort();
  const { outcomes, end } = await running;
  assert.equal(end.stoppedBy, "signal");
  assert.deepEqual(outcomes, []);
});
