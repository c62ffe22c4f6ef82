/** Probes in flight: one timer expires them in order; waits end on the count or a dispose. */
import assert from "node:assert/strict";
import { closedOutcome, InFlight, newPending, type Pending } from "../lib/udp_in_flight.ts";

function probe(seq: number, expiresAt: number): Pending {
  return { ...newPending(seq, NaN), sentAt: performance.now(), expiresAt };
}

Deno.test("InFlight expires probes in the order sent, each no earlier than its time", async () => {
  const expired: [number, number][] = [];
  using inFlight = new InFlight((pending) => {
    expired.push([pending.seq, performance.now() - pending.expiresAt]);
    inFlight.delete(pending.seq);
  });
  const now = performance.now();
  for (let seq = 1; seq <= 5; seq++) inFlight.add(probe(seq, now + 10 * seq));
  inFlight.delete(3); // answered in time
  assert.equal(await inFlight.waitBelow(1), true);
  assert.deepEqual(expired.map(([seq]) => seq), [1, 2, 4, 5]);
  for (const [seq, lateBy] of expired) assert.ok(lateBy >= 0, `seq ${seq} expired early`);
});

Deno.test("InFlight.waitBelow() resolves once fewer are in flight, or false on abort", async () => {
  using inFlight = new InFlight(() => {});
  const now = performance.now();
  for (let seq = 1; seq <= 3; seq++) inFlight.add(probe(seq, now + 60_000));
  const underThree = inFlight.waitBelow(3);
  const controller = new AbortController();
  const aborted = inFlight.waitBelow(1, controller.signal);
  inFlight.delete(2);
  assert.equal(await underThree, true);
  controller.abort();
  assert.equal(await aborted, false);
  assert.equal(inFlight.size, 2);
});

Deno.test("disposing of InFlight ends waits and hands waiting callers a closed outcome", async () => {
  const inFlight = new InFlight(() => {});
  const pending = probe(7, performance.now() + 60_000);
  const { promise, resolve } = Promise.withResolvers<unknown>();
  pending.resolve = resolve;
  inFlight.add(pending);
  const wait = inFlight.waitBelow(1);
  inFlight[Symbol.dispose]();
  assert.equal(await wait, false);
  assert.deepEqual(await promise, closedOutcome(pending));
  assert.equal(inFlight.size, 0);
});
