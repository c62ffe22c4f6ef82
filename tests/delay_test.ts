/** delay(): a pause an AbortSignal cuts short; a time already past is no pause at all. */
import assert from "node:assert/strict";
import process from "node:process";
import { delay } from "../lib/delay.ts";

/** Runs `body`, collecting the runtime's process warnings meanwhile. */
async function warningsOf(body: () => Promise<unknown>): Promise<string[]> {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on("warning", onWarning);
  try {
    await body();
  } finally {
    process.off("warning", onWarning);
  }
  return warnings;
}

Deno.test("delay() of a time already past (0 or less) resolves true at once, with no runtime warning", async () => {
  const warnings = await warningsOf(async () => {
    assert.equal(await delay(-1.03), true);
    assert.equal(await delay(0), true);
    assert.equal(await delay(-1e9), true);
  });
  assert.deepEqual(warnings, []);
});

Deno.test("delay() of a time already past is false when its signal has aborted", async () => {
  assert.equal(await delay(-5, AbortSignal.abort()), false);
});

Deno.test("delay() waits, and its signal cuts the wait short", async () => {
  const started = performance.now();
  assert.equal(await delay(30), true);
  assert.ok(performance.now() - started >= 29);
  const controller = new AbortController();
  const waiting = delay(60_000, controller.signal);
  controller.abort();
  assert.equal(await waiting, false);
});
