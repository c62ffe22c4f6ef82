import assert from "node:assert/strict";
import { exposedCollect, IdleCollector } from "../cli/idle_collect.ts";

/** A collector over counters the test moves, and a promise of its first collection. */
function watched(growthBytes: number) {
  const state = { connections: 0, heap: 10_000_000, collected: 0, checks: 0 };
  const first = Promise.withResolvers<void>();
  const collector = new IdleCollector(() => {
    state.checks++;
    return state.connections;
  }, {
    collect: () => {
      state.collected++;
      state.heap = 10_000_000;
      first.resolve();
    },
    heapBytes: () => state.heap,
    idleMs: 20,
    growthBytes,
  });
  return { state, collector, collected: first.promise };
}

Deno.test("IdleCollector collects once no connection came for a while after a close", async () => {
  const { state, collector, collected } = watched(1_000_000);
  using _ = collector;
  state.connections = 100;
  state.heap += 5_000_000;
  collector.closed();
  collector.closed(); // one timer, however many closes
  await collected;
  assert.equal(state.collected, 1);
  assert.equal(state.checks, 2, "read when armed and when it fired");
});

Deno.test("IdleCollector waits while connections keep coming", async () => {
  const { state, collector, collected } = watched(1_000_000);
  using _ = collector;
  state.heap += 5_000_000;
  collector.closed();
  // A connection comes within each window, five times: no collection meanwhile.
  for (let window = 0; window < 5; window++) {
    const checks = state.checks;
    state.connections++;
    const started = performance.now();
    while (state.checks === checks && performance.now() - started < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(state.collected, 0, `window ${window}`);
  }
  await collected;
  assert.equal(state.collected, 1);
});

Deno.test("IdleCollector leaves a heap that did not grow enough alone", async () => {
  const { state, collector } = watched(8_000_000);
  using _ = collector;
  state.heap += 5_000_000;
  collector.closed();
  const started = performance.now();
  while (state.checks < 2 && performance.now() - started < 5_000) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(state.checks, 2, "the timer fired");
  assert.equal(state.collected, 0);
});

Deno.test("IdleCollector does nothing without a collection (no --expose-gc)", () => {
  let reads = 0;
  using collector = new IdleCollector(() => reads++, { collect: undefined });
  collector.closed();
  assert.equal(reads, 0, "no timer armed");
});

Deno.test("exposedCollect() is there only when V8 exposes gc()", () => {
  const exposed = typeof (globalThis as { gc?: unknown }).gc === "function";
  assert.equal(exposedCollect() !== undefined, exposed);
});

Deno.test("a server run with --expose-gc gives its heap back after connections stop coming", async () => {
  // The server's own process, as `deno task serve` runs it: its heap after a collection
  // is what the collector gets back to. Measured in a child with --expose-gc.
  const code = `
    import { IdleCollector } from ${
    JSON.stringify(new URL("../cli/idle_collect.ts", import.meta.url).href)
  };
    const keep = [];
    for (let i = 0; i < 200_000; i++) keep.push({ i, text: "connection " + i });
    keep.length = 0; // the connections are gone: their objects are garbage
    const before = Deno.memoryUsage().heapTotal;
    const done = Promise.withResolvers();
    using collector = new IdleCollector(() => 1, { idleMs: 10, growthBytes: 0 });
    collector.closed();
    const started = performance.now();
    while (Deno.memoryUsage().heapTotal >= before && performance.now() - started < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    console.log(JSON.stringify({ before, after: Deno.memoryUsage().heapTotal }));
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--v8-flags=--max-semi-space-size=8,--expose-gc", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const { before, after } = JSON.parse(new TextDecoder().decode(output.stdout));
  assert.ok(after < before / 2, `heap ${before} -> ${after} bytes`);
});
