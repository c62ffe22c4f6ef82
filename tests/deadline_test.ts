import assert from "node:assert/strict";
import { DeadlineTimer, defaultResolutionMs, LIMIT_REASON } from "../lib/deadline.ts";

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}

Deno.test("Deadline.signal aborts with a TimeoutError once the time passes", async () => {
  using timer = new DeadlineTimer(50, 10);
  const started = performance.now();
  using deadline = timer.start();
  await aborted(deadline.signal);
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 50, `aborted after ${elapsed} ms, before 50 ms`);
  assert.ok(deadline.signal.reason instanceof DOMException);
  assert.equal(deadline.signal.reason.name, "TimeoutError");
});

Deno.test("Deadline.renew() pushes the expiry back", async () => {
  using timer = new DeadlineTimer(100, 10);
  using renewed = timer.start();
  using reference = timer.start();
  // Renew on every check until the un-renewed deadline has expired.
  const renewing = setInterval(() => renewed.renew(), 10);
  await aborted(reference.signal);
  clearInterval(renewing);
  assert.equal(renewed.signal.aborted, false);
  const expiredAt = performance.now();
  await aborted(renewed.signal);
  assert.ok(performance.now() - expiredAt >= 80);
});

Deno.test("a disposed Deadline never aborts", async () => {
  using timer = new DeadlineTimer(20, 10);
  const disposed = timer.start();
  const kept = timer.start();
  disposed[Symbol.dispose]();
  kept.renew(); // expires no earlier than the disposed one would have
  await aborted(kept.signal);
  assert.equal(disposed.signal.aborted, false);
});

Deno.test("the interval stops by itself at the first check with no deadline left", async () => {
  const timer = new DeadlineTimer(20, 10);
  const first = timer.start();
  await aborted(first.signal);
  // A deadline started after the interval stopped starts it again, and still expires.
  const second = timer.start();
  await aborted(second.signal);
  // No dispose here: were the interval still running when the test ends, the op
  // sanitizer would fail it. The check after the last abort clears it; wait for that
  // check by waiting for a deadline of a second timer with the same resolution.
  using probe = new DeadlineTimer(30, 10);
  await aborted(probe.start().signal);
});

Deno.test("Deadline.abort() aborts now with the given reason", () => {
  using timer = new DeadlineTimer(30_000);
  const deadline = timer.start();
  const reason = new Error("shutdown");
  deadline.abort(reason);
  assert.equal(deadline.signal.reason, reason);
  deadline.abort(new Error("again"));
  assert.equal(deadline.signal.reason, reason);
});

Deno.test("one DeadlineTimer serves many deadlines that expire together", async () => {
  using timer = new DeadlineTimer(30, 10);
  const deadlines = Array.from({ length: 1000 }, () => timer.start());
  await Promise.all(deadlines.map((deadline) => aborted(deadline.signal)));
  assert.ok(deadlines.every((deadline) => deadline.signal.reason.name === "TimeoutError"));
});

Deno.test("a renewed deadline expires no earlier than timeoutMs after its last renewal", async () => {
  using timer = new DeadlineTimer(40, 10);
  // Renewals land at different points between two checks of the timer.
  const renewals = [0, 3, 6, 9, 12].map((offset) =>
    new Promise<number>((resolve) => {
      const deadline = timer.start();
      setTimeout(() => {
        deadline.renew();
        const renewedAt = performance.now();
        aborted(deadline.signal).then(() => resolve(performance.now() - renewedAt));
      }, offset);
    })
  );
  for (const elapsed of await Promise.all(renewals)) {
    assert.ok(elapsed >= 40, `aborted ${elapsed} ms after the renewal, before 40 ms`);
  }
});

Deno.test("renewals do not carry a deadline past its limit", async () => {
  using timer = new DeadlineTimer(1_000, 10);
  using deadline = timer.start();
  deadline.limit(50);
  const renewing = setInterval(() => deadline.renew(), 5);
  await aborted(deadline.signal);
  clearInterval(renewing);
  assert.equal(deadline.signal.reason, LIMIT_REASON);
});

Deno.test("defaultResolutionMs is a twentieth of the timeout, from 10 ms to 500 ms", () => {
  assert.equal(defaultResolutionMs(30_000), 500);
  assert.equal(defaultResolutionMs(2_000), 100);
  assert.equal(defaultResolutionMs(50), 10);
});

Deno.test("start(onAbort) calls onAbort once on abort, and never after dispose", () => {
  using timer = new DeadlineTimer(30_000);
  let calls = 0;
  const aborting = timer.start(() => calls++);
  aborting.abort(new Error("first"));
  aborting.abort(new Error("second"));
  assert.equal(calls, 1);
  const disposed = timer.start(() => calls++);
  disposed[Symbol.dispose]();
  disposed.abort(new Error("after dispose"));
  assert.equal(calls, 1);
  assert.equal(disposed.signal.aborted, true);
});
