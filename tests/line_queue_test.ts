import assert from "node:assert/strict";
import { LineQueue, writesPending } from "../cli/line_queue.ts";
import { waitFor } from "./helpers.ts";

/** An output that keeps what it is given, and can be held (writes wait) or failed. */
class TestOutput {
  readonly writes: string[] = [];
  /** Set: every write fails with it. */
  failWith: unknown;
  /** Set: writes take at most this many bytes. */
  piece = Infinity;
  #held: PromiseWithResolvers<void> | undefined;
  /** Writes started and not finished. */
  inProgress = 0;

  hold(): void {
    this.#held ??= Promise.withResolvers<void>();
  }

  release(): void {
    this.#held?.resolve();
    this.#held = undefined;
  }

  get text(): string {
    return this.writes.join("");
  }

  async write(p: Uint8Array): Promise<number> {
    this.inProgress++;
    try {
      while (this.#held) await this.#held.promise;
      if (this.failWith) throw this.failWith;
      const n = Math.min(p.length, this.piece);
      this.writes.push(new TextDecoder().decode(p.subarray(0, n)));
      return n;
    } finally {
      this.inProgress--;
    }
  }
}

Deno.test("LineQueue writes the lines of a batch with one write, in order", async () => {
  const output = new TestOutput();
  using lines = new LineQueue(output, { batchMs: 20 });
  for (let i = 0; i < 100; i++) lines.write(`line ${i}`);
  assert.equal(output.writes.length, 0, "nothing before the batch timer");
  await waitFor(() => output.writes.length === 1, "the batch");
  assert.equal(output.text, Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join(""));
  assert.equal(lines.dropped, 0);
});

Deno.test("LineQueue with batchMs 0 writes at once, one write in progress at a time", async () => {
  const output = new TestOutput();
  using lines = new LineQueue(output, { batchMs: 0 });
  output.hold();
  lines.write("a");
  lines.write("b");
  lines.write("c");
  await waitFor(() => output.inProgress === 1, "the first write");
  output.release();
  await lines.drain(1_000);
  assert.deepEqual(output.writes, ["a\n", "b\nc\n"], "the lines that waited go out together");
});

Deno.test("LineQueue drops and counts lines beyond its capacity while the output takes nothing", async () => {
  const output = new TestOutput();
  using lines = new LineQueue(output, { batchMs: 0, capacity: 100 });
  output.hold(); // a pipe nobody reads
  for (let i = 0; i < 1_000; i++) lines.write("x".repeat(9)); // 10 characters with the newline
  assert.equal(lines.dropped, 990, "100 characters wait: 10 lines");
  assert.equal(output.inProgress, 1, "one write in progress, never more");
  output.release(); // the reader catches up
  await lines.drain(1_000);
  assert.equal(output.text, "xxxxxxxxx\n".repeat(10));
  lines.write("after");
  await lines.drain(1_000);
  assert.match(output.text, /after\n$/, "lines are written again once there is room");
  assert.equal(lines.dropped, 990);
});

Deno.test("LineQueue counts its capacity in bytes: a line of wide characters that does not fit is dropped", async () => {
  const output = new TestOutput();
  using lines = new LineQueue(output, { batchMs: 20, capacity: 16 });
  lines.write("é".repeat(5)); // 10 bytes and the newline: 11 of 16
  lines.write("è".repeat(3)); // 6 characters of room left, 7 bytes needed
  lines.write("abcd"); // 5 bytes: fits
  await lines.drain(1_000);
  assert.equal(output.text, `${"é".repeat(5)}\nabcd\n`);
  assert.equal(lines.dropped, 1);
});

Deno.test("LineQueue ends its writing, not the program, when the output is gone", async () => {
  for (
    const gone of [
      new Deno.errors.BrokenPipe("Broken pipe (os error 32)"),
      Object.assign(new Error("Input/output error (os error 5)"), { code: "EIO" }),
    ]
  ) {
    const output = new TestOutput();
    using lines = new LineQueue(output, { batchMs: 0 });
    output.failWith = gone;
    lines.write("lost");
    await lines.drain(1_000);
    assert.equal(lines.closed, true, gone.message);
    lines.write("after");
    assert.equal(lines.dropped, 2, gone.message);
    assert.equal(output.writes.length, 0);
  }
});

Deno.test("LineQueue.drain() follows a slow output that keeps taking bytes", async () => {
  const output = new TestOutput();
  output.piece = 3; // three bytes per write
  using lines = new LineQueue(output);
  for (let i = 0; i < 20; i++) lines.write(`line ${i}`);
  await lines.drain(1_000);
  assert.equal(output.text, Array.from({ length: 20 }, (_, i) => `line ${i}\n`).join(""));
  assert.equal(lines.dropped, 0);
});

Deno.test("LineQueue.drain() gives up a write that makes no progress, and counts its lines", async () => {
  const output = new TestOutput();
  using lines = new LineQueue(output, { batchMs: 0 });
  output.hold();
  lines.write("stuck 1");
  lines.write("stuck 2");
  const started = performance.now();
  await lines.drain(100);
  const waited = performance.now() - started;
  assert.ok(waited >= 90 && waited < 1_000, `gave up after ${waited} ms`);
  assert.equal(lines.dropped, 2);
  assert.equal(lines.closed, true);
  assert.equal(writesPending(), true, "the stuck write is still there: main.ts ends the process");
  output.release();
  await waitFor(() => !writesPending(), "the write to end");
});

Deno.test("LineQueue.drain() rethrows a write error that is not a gone output", async () => {
  const output = new TestOutput();
  using lines = new LineQueue(output, { batchMs: 0 });
  output.hold();
  lines.write("line");
  output.failWith = new TypeError("a bug");
  const draining = lines.drain(1_000);
  output.release();
  await assert.rejects(draining, TypeError);
});

Deno.test("LineQueue ends its writing, not the program, when the output fails (a full disk)", async () => {
  const output = new TestOutput();
  using lines = new LineQueue(output, { batchMs: 0 });
  output.failWith = Object.assign(new Error("No space left on device (os error 28)"), {
    code: "ENOSPC",
  });
  lines.write("one");
  await lines.drain(1_000);
  assert.equal(lines.closed, true);
  assert.equal(lines.dropped, 1);
  lines.write("two"); // taken and counted, never written
  assert.equal(lines.dropped, 2);
  assert.deepEqual(output.writes, []);
});
