/** cli/report_run.ts: standard input read into runs, and what cannot be read. */
import assert from "node:assert/strict";
import { readRuns } from "../cli/report_run.ts";
import { UsageError } from "../cli/exit.ts";
import { pingRunLines } from "./report_fixture.ts";

Deno.test("readRuns() reads lines split across chunks, and a last line without a newline", async () => {
  const text = [...pingRunLines({ count: 50 })].join("\n");
  const bytes = new TextEncoder().encode(text);
  // Chunks of 7 bytes: lines and multi-byte characters cut anywhere.
  const stream = ReadableStream.from(
    Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.slice(i * 7, i * 7 + 7)),
  );
  const { runs, lines } = await readRuns(stream);
  assert.equal(lines, 51);
  assert.equal(runs.length, 1);
  assert.equal(runs[0]!.atMs.length, 50);
  assert.equal(runs[0]!.summary?.transmitted, 50);
});

Deno.test("readRuns() of an input that cannot be read is a usage error saying why", async () => {
  // What `echoprobe report < DIR` reads: the first read fails with EISDIR.
  const stream = new ReadableStream<Uint8Array>({
    pull() {
      throw new Deno.errors.IsADirectory("Is a directory (os error 21)");
    },
  });
  await assert.rejects(readRuns(stream), (error) => {
    assert.ok(error instanceof UsageError, `a usage error (exit 2), not ${error}`);
    assert.equal(error.message, "Cannot read standard input: it is a directory, not a file");
    return true;
  });
});
