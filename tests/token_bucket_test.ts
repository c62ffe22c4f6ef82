/** Token buckets: burst, refill at the rate, the cap, and a clock that goes back. */
import assert from "node:assert/strict";
import { isFull, takeToken, TokenBucket } from "../lib/token_bucket.ts";

Deno.test("TokenBucket gives its burst at once, then one token per 1/rate seconds", () => {
  const bucket = new TokenBucket(100, 5, 0);
  const taken = Array.from({ length: 8 }, () => bucket.take(0));
  assert.deepEqual(taken, [true, true, true, true, true, false, false, false]);
  assert.equal(bucket.take(9.9), false, "0.99 of a token after 9.9 ms at 100/s");
  assert.equal(bucket.take(10), true);
  assert.equal(bucket.take(10), false);
});

Deno.test("TokenBucket holds no more than its burst however long it waits", () => {
  const bucket = new TokenBucket(1000, 3, 0);
  for (let i = 0; i < 3; i++) assert.equal(bucket.take(0), true);
  let taken = 0;
  for (let i = 0; i < 10; i++) if (bucket.take(60_000)) taken++;
  assert.equal(taken, 3);
});

Deno.test("takeToken() over a second at a rate of 50 allows the burst plus 50", () => {
  const state = { tokens: 10, updatedAt: 0 };
  let taken = 0;
  for (let ms = 0; ms <= 1000; ms += 0.5) if (takeToken(state, 50, 10, ms)) taken++;
  assert.equal(taken, 10 + 50);
});

Deno.test("takeToken() adds nothing when the clock reads earlier than the last update", () => {
  const state = { tokens: 0.5, updatedAt: 100 };
  assert.equal(takeToken(state, 1000, 10, 50), false);
  assert.deepEqual(state, { tokens: 0.5, updatedAt: 100 });
});

Deno.test("isFull() says when a bucket left alone has refilled", () => {
  assert.equal(isFull({ tokens: 2, updatedAt: 0 }, 10, 3, 99), false);
  assert.equal(isFull({ tokens: 2, updatedAt: 0 }, 10, 3, 100), true);
});
