import assert from "node:assert/strict";
import { BufferBudget } from "../lib/budget.ts";

Deno.test("BufferBudget.tryReserve() takes bytes only while they are there", () => {
  const budget = new BufferBudget(1000);
  assert.equal(budget.tryReserve(400), true);
  assert.equal(budget.tryReserve(600), true);
  assert.equal(budget.tryReserve(1), false);
  assert.equal(budget.available, 0);
  assert.equal(budget.reserved, 1000);
  budget.release(600);
  assert.equal(budget.available, 600);
});

Deno.test("BufferBudget.reserve() waits for room, first come first served", async () => {
  const budget = new BufferBudget(1000);
  assert.equal(budget.tryReserve(900), true);
  const order: string[] = [];
  const big = budget.reserve(800).then(() => order.push("big"));
  const small = budget.reserve(100).then(() => order.push("small"));
  assert.equal(budget.waiting, true);
  assert.equal(budget.tryReserve(100), false, "no one jumps the queue");
  budget.release(500); // 600 available: not enough for the first waiter
  await Promise.resolve();
  assert.deepEqual(order, []);
  budget.release(400); // 1000: both fit, in order
  await Promise.all([big, small]);
  assert.deepEqual(order, ["big", "small"]);
  assert.equal(budget.available, 100);
  assert.equal(budget.waiting, false);
});

Deno.test("BufferBudget.reserve() gives up when its signal aborts, and reserves nothing", async () => {
  const budget = new BufferBudget(1000);
  assert.equal(budget.tryReserve(1000), true);
  const controller = new AbortController();
  const waiting = budget.reserve(500, controller.signal);
  const behind = budget.reserve(200);
  const reason = new DOMException("Signal timed out", "TimeoutError");
  controller.abort(reason);
  await assert.rejects(waiting, (error) => error === reason);
  budget.release(200);
  await behind; // the waiter behind the one that gave up goes through
  assert.equal(budget.available, 0);
  await assert.rejects(budget.reserve(1, AbortSignal.abort(reason)), (error) => error === reason);
});

Deno.test("BufferBudget.reserve() refuses more than the whole budget", async () => {
  const budget = new BufferBudget(1000);
  await assert.rejects(budget.reserve(1001), RangeError);
});
