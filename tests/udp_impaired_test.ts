/**
 * The UDP client over an impaired path: a seeded relay drops 10%, duplicates 5%, holds
 * back 25% (so later datagrams overtake them) and delays every datagram 5 ms +/- 2 ms,
 * each way. The client's figures must agree with what the relay did.
 */
import assert from "node:assert/strict";
import { serveUdp } from "../lib/udp_server.ts";
import { runCli } from "./helpers.ts";
import { expectedFigures, ImpairedRelay, type Impairment } from "./udp_relay.ts";

const IMPAIRMENT: Impairment = {
  seed: 20_260_914,
  loss: 0.1,
  duplicate: 0.05,
  reorder: 0.25,
  delayMs: 5,
  spreadMs: 2,
  reorderMs: 15,
};
const PROBES = 400;
const TIMEOUT_MS = 1_000;

/** Within `tolerance` (absolute), saying what differs. */
function assertNear(actual: number, expected: number, tolerance: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: the client says ${actual}, the relay's deliveries say ${expected}`,
  );
}

Deno.test("client --udp over a lossy, duplicating, reordering, delaying relay counts what it did", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
  await using relay = new ImpairedRelay(server.addr, IMPAIRMENT);
  const output = await runCli([
    "client",
    `127.0.0.1:${relay.port}`,
    "--udp",
    "--count",
    String(PROBES),
    "--interval",
    "2ms",
    "--timeout",
    `${TIMEOUT_MS}ms`,
    "--seed",
    "7",
    "--json",
  ]);
  assert.equal(output.code, 1, "probes were lost: exit 1");
  const lines = output.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
  const summary = lines.at(-1);
  assert.equal(summary.type, "summary");

  // What the relay did: each rate within reach of what it was set to (seeded, so fixed).
  const { up, down } = relay;
  assert.equal(up.received, PROBES, "every probe reached the relay");
  // (Duplicates and hold-backs are drawn for the datagrams not dropped.) About three
  // standard deviations of each binomial count.
  const handled = up.received + down.received;
  const kept = handled - up.dropped - down.dropped;
  const near = (n: number, of: number, chance: number, what: string) =>
    assert.ok(
      Math.abs(n / of - chance) < 3 * Math.sqrt((chance * (1 - chance)) / of) + 0.005,
      `${what}: ${n} of ${of}, set to ${chance}`,
    );
  near(up.dropped + down.dropped, handled, IMPAIRMENT.loss, "dropped");
  near(up.duplicated + down.duplicated, kept, IMPAIRMENT.duplicate, "duplicated");
  near(up.heldBack + down.heldBack, kept, IMPAIRMENT.reorder, "held back");

  // What the client counted, against what the relay delivered to it.
  const expected = expectedFigures(relay.deliveries, PROBES, TIMEOUT_MS);
  const tolerance = Math.max(2, PROBES / 100);
  assert.equal(summary.transmitted, PROBES);
  assertNear(summary.received, expected.received, tolerance, "received");
  assertNear(summary.lost, expected.lost, tolerance, "lost");
  assertNear(summary.duplicates, expected.duplicates, tolerance, "duplicates");
  assertNear(summary.reordered, expected.reordered, tolerance, "reordered");
  assertNear(summary.late, expected.late, tolerance, "late");
  assert.equal(summary.stray, 0);
  assert.equal(summary.lossPct, Math.round((1000 * 100 * summary.lost) / PROBES) / 1000);
  // Each probe crosses the relay twice: its round trip is at least two delays.
  const minDelayMs = 2 * (IMPAIRMENT.delayMs - IMPAIRMENT.spreadMs);
  assert.ok(summary.minMs >= minDelayMs - 1, `min rtt ${summary.minMs} ms`);
  assert.ok(summary.p50Ms >= 2 * IMPAIRMENT.delayMs - 2, `p50 ${summary.p50Ms} ms`);
  // The jitter, as RFC 3550 has it, of the transit times the relay measured; the client's
  // own adds a little (two loopback hops, its event loop).
  assert.ok(expected.jitterMs > 1, `the relay's jitter ${expected.jitterMs} ms`);
  assert.ok(
    summary.jitterMs >= expected.jitterMs * 0.7 && summary.jitterMs <= expected.jitterMs * 1.5 + 1,
    `jitter: the client says ${summary.jitterMs} ms, the relay's transits ${expected.jitterMs} ms`,
  );

  // The probe lines say the same as the summary.
  const probes = lines.filter((line) => line.type === "probe");
  assert.equal(probes.filter((line) => line.ok).length, summary.received);
  assert.equal(probes.filter((line) => line.ok && line.reordered).length, summary.reordered);
  assert.equal(lines.filter((line) => line.type === "duplicate").length, summary.duplicates);
  assert.equal(lines.filter((line) => line.type === "late").length, summary.late);

  // deno-lint-ignore no-console -- the figures side by side, for the reader of the run
  console.log(
    `relay: up ${JSON.stringify(up)} down ${JSON.stringify(down)}\n` +
      `relay deliveries say: ${JSON.stringify(expected)}\n` +
      `client summary:       ${
        JSON.stringify({
          received: summary.received,
          lost: summary.lost,
          duplicates: summary.duplicates,
          reordered: summary.reordered,
          late: summary.late,
          jitterMs: summary.jitterMs,
        })
      }`,
  );
});

Deno.test("client --udp over the relay with nothing impaired loses, doubles and reorders nothing", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
  await using relay = new ImpairedRelay(server.addr, {
    ...IMPAIRMENT,
    loss: 0,
    duplicate: 0,
    reorder: 0,
    spreadMs: 0,
  });
  const output = await runCli([
    "client",
    `127.0.0.1:${relay.port}`,
    "--udp",
    "-c",
    "50",
    "-i",
    "2ms",
    "-t",
    "1s",
    "--json",
    "--quiet",
  ]);
  assert.equal(output.code, 0, output.stdout + output.stderr);
  const summary = JSON.parse(output.stdout);
  assert.deepEqual(
    [summary.received, summary.lost, summary.duplicates, summary.reordered, summary.late],
    [50, 0, 0, 0, 0],
  );
  assert.ok(summary.minMs >= 2 * IMPAIRMENT.delayMs - 1, `min rtt ${summary.minMs} ms`);
});
