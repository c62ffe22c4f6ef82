import assert from "node:assert/strict";
import { readRuns, RunReader } from "../cli/report_input.ts";
import { pingRunLines } from "./report_fixture.ts";

function read(lines: string[]) {
  const reader = new RunReader();
  for (const line of lines) reader.push(line);
  return reader.finish();
}

const probe = (seq: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: "probe",
    seq,
    timestamp: new Date(Date.UTC(2025, 0, 1) + seq * 100).toISOString(),
    ok: true,
    host: "db.internal",
    address: "10.0.0.7",
    port: 5432,
    bytes: 250,
    reused: true,
    timeMs: seq / 10,
    ...extra,
  });

Deno.test("RunReader starts a ping run at seq 1 and ends it at its summary", () => {
  const { runs, lines, skipped } = read([
    probe(1),
    probe(2),
    JSON.stringify({ type: "summary", target: "db.internal:5432", durationMs: 200 }),
    probe(1),
    probe(2),
  ]);
  assert.equal(lines, 5);
  assert.equal(runs.length, 2);
  const [first, second] = runs;
  assert.equal(first!.target, "db.internal:5432");
  assert.equal(first!.summary?.durationMs, 200);
  assert.deepEqual(first!.ms, [0.1, 0.2]);
  assert.deepEqual(first!.atMs, [0, 100]);
  assert.equal(first!.startedAt, Date.UTC(2025, 0, 1) + 100);
  assert.deepEqual([first!.address, first!.size, first!.reused], ["10.0.0.7", 250, true]);
  // No summary (the client was killed): named from its probes.
  assert.equal(second!.target, "db.internal:5432");
  assert.equal(second!.summary, undefined);
  assert.deepEqual(skipped, { notJson: 0, firstNotJson: undefined, unknown: {}, invalid: 0 });
});

Deno.test("RunReader starts a new run when seq goes back, even without seq 1 (a cut input)", () => {
  const { runs } = read([probe(5), probe(6), probe(3), probe(4)]);
  assert.deepEqual(runs.map((run) => run.ms.length), [2, 2]);
});

Deno.test("RunReader keeps failures by code, in the order met, with the first message", () => {
  const failure = (seq: number, code: string, message: string) =>
    JSON.stringify({
      type: "probe",
      seq,
      timestamp: "2025-01-01T00:00:01Z",
      ok: false,
      // trust-client's fields: an address on failures, attempts; unknown ones pass.
      address: "10.0.0.7",
      attempts: [{ code }],
      error: { code, message, bytesBack: 3 },
    });
  const { runs } = read([
    failure(1, "timeout", "Timeout after 1s"),
    probe(2),
    failure(3, "extra", "Echo longer than sent"),
    failure(4, "timeout", "Timeout again"),
  ]);
  const [run] = runs;
  assert.deepEqual(run!.codes, ["timeout", "extra"]);
  assert.deepEqual(run!.code, [0, -1, 1, 0]);
  assert.ok(Number.isNaN(run!.ms[0]!) && run!.ms[1] === 0.2);
  assert.equal(run!.messages.get("timeout"), "Timeout after 1s");
  assert.equal(run!.address, "10.0.0.7");
});

Deno.test("RunReader reads a load run from its intervals and its load object", () => {
  const interval = (startMs: number, elapsedMs: number, failed = 0) =>
    JSON.stringify({
      type: "interval",
      target: "10.0.0.7:3005",
      timestamp: new Date(Date.UTC(2025, 0, 1) + startMs).toISOString(),
      startMs,
      elapsedMs,
      ok: 1000,
      failed,
      perSecond: 1000,
      p50Ms: 0.2,
      p99Ms: null,
      maxMs: 3,
      errors: failed ? { refused: failed } : {},
    });
  const { runs } = read([
    interval(0, 1000),
    interval(1000, 2000, 4),
    JSON.stringify({ type: "load", target: "10.0.0.7:3005", concurrency: 8, ok: 2000 }),
    interval(0, 500),
  ]);
  assert.equal(runs.length, 2);
  const [load, cut] = runs;
  assert.equal(load!.kind, "load");
  assert.equal(load!.startedAt, Date.UTC(2025, 0, 1));
  assert.equal(load!.summary?.concurrency, 8);
  assert.deepEqual(load!.intervals[1], {
    startMs: 1000,
    endMs: 2000,
    ok: 1000,
    failed: 4,
    p50Ms: 0.2,
    p99Ms: NaN,
    errors: { refused: 4 },
  });
  assert.equal(cut!.intervals.length, 1);
  assert.equal(cut!.target, "10.0.0.7:3005");
});

Deno.test("RunReader passes over what it cannot draw, and counts it", () => {
  const { runs, skipped } = read([
    "not json",
    "[1, 2]",
    '{"event":"listening","host":"0.0.0.0","port":3005}',
    '{"type":"udp-summary","target":"x"}',
    '{"type":"probe","seq":1,"timestamp":"yesterday","ok":true,"timeMs":1}',
    '{"type":"probe","seq":1,"timestamp":"2025-01-01T00:00:00Z","ok":true,"timeMs":"1"}',
    '{"type":"probe","seq":1,"timestamp":"2025-01-01T00:00:00Z","ok":true,"timeMs":1,"protocol":"udp","ttl":64}',
    "",
  ]);
  assert.equal(runs.length, 1);
  assert.equal(runs[0]!.protocol, "udp");
  assert.equal(runs[0]!.target, "(unknown target)");
  assert.deepEqual(skipped, {
    notJson: 2,
    firstNotJson: 1,
    unknown: { "(none)": 1, "udp-summary": 1 },
    invalid: 2,
  });
});

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
