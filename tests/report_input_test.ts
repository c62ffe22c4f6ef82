import assert from "node:assert/strict";
import { RunReader } from "../cli/report_input.ts";

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
  assert.deepEqual(skipped, {
    notJson: 0,
    firstNotJson: undefined,
    notObject: 0,
    firstNotObject: undefined,
    unknown: {},
    invalid: 0,
  });
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

Deno.test("RunReader passes over what it cannot draw, and counts it: JSON that is not an object apart", () => {
  const { runs, skipped } = read([
    "not json",
    "[1, 2]",
    "null",
    "{broken",
    '{"event":"listening","host":"0.0.0.0","port":3005}',
    '{"type":"udp-summary","target":"x"}',
    '{"type":"probe","seq":1,"timestamp":"yesterday","ok":true,"timeMs":1}',
    '{"type":"probe","seq":1,"timestamp":"2025-01-01T00:00:00Z","ok":true,"timeMs":"1"}',
    '{"type":"probe","seq":1,"timestamp":"2025-01-01T00:00:00Z","ok":true,"timeMs":1,"proto":"udp","ttl":64}',
    "",
  ]);
  assert.equal(runs.length, 1);
  assert.equal(runs[0]!.details.proto, "udp");
  assert.equal(runs[0]!.target, "(unknown target)");
  assert.deepEqual(skipped, {
    notJson: 2,
    firstNotJson: 1,
    notObject: 2,
    firstNotObject: 2,
    unknown: { "(none)": 1, "udp-summary": 1 },
    invalid: 2,
  });
});

Deno.test("RunReader reads a UDP run: its proto, its duplicate and late objects, reordered probes", () => {
  const udp = (seq: number, extra: Record<string, unknown> = {}) =>
    probe(seq, { proto: "udp", reused: undefined, from: "10.0.0.7:5432", ...extra });
  const { runs, skipped } = read([
    udp(1),
    JSON.stringify({ type: "duplicate", proto: "udp", seq: 1, from: "10.0.0.7:5432", timeMs: 3 }),
    udp(3),
    udp(2, { reordered: true }),
    JSON.stringify({
      type: "probe",
      proto: "udp",
      seq: 4,
      timestamp: "2025-01-01T00:00:00.400Z",
      ok: false,
      error: { code: "timeout", message: "No reply within 1s (lost)", size: 250, bytesBack: 0 },
    }),
    JSON.stringify({ type: "late", proto: "udp", seq: 4, from: "10.0.0.7:5432", timeMs: 1200 }),
    JSON.stringify({ type: "summary", proto: "udp", target: "db.internal:5432", lost: 1 }),
    // A notice with no UDP run open is passed over, and counted.
    JSON.stringify({ type: "late", proto: "udp", seq: 9, timeMs: 1 }),
  ]);
  assert.equal(runs.length, 1);
  const { details } = runs[0]!;
  assert.equal(details.proto, "udp");
  assert.deepEqual([details.duplicates, details.late, details.reordered], [1, 1, 1]);
  assert.deepEqual(runs[0]!.codes, ["timeout"]);
  assert.deepEqual(skipped.unknown, { late: 1 });
});

Deno.test("RunReader names a run that only failed from its errors: host, address, port", () => {
  const failure = (seq: number) =>
    JSON.stringify({
      type: "probe",
      seq,
      timestamp: "2025-01-01T00:00:01Z",
      ok: false,
      error: {
        code: "refused",
        message: "Connection refused (::1 refused, 127.0.0.1 refused)",
        host: "dual.test",
        port: 3005,
        attempts: [
          { address: "::1", error: "refused", ms: 0.2 },
          { address: "127.0.0.1", error: "refused", ms: 0.1 },
        ],
      },
    });
  const { runs } = read([failure(1), failure(2)]);
  assert.equal(runs[0]!.target, "dual.test:3005", "no summary: named from the failures");
  assert.equal(runs[0]!.details.fallbacks, 0, "a failure connected nowhere");
  const single = JSON.stringify({
    type: "probe",
    seq: 1,
    timestamp: "2025-01-01T00:00:01Z",
    ok: false,
    error: { code: "refused", message: "Connection refused", address: "10.0.0.9", port: 7 },
  });
  const [run] = read([single]).runs;
  assert.deepEqual([run!.target, run!.address], ["10.0.0.9:7", "10.0.0.9"]);
  assert.deepEqual([...run!.details.addresses], [["10.0.0.9", 1]]);
});

Deno.test("RunReader keeps a run's phases, TLS, connect-only probes and fallbacks between addresses", () => {
  const tls = (seq: number, address: string, attempts?: unknown[]) =>
    probe(seq, {
      address,
      connectMs: 1,
      tlsMs: seq * 2,
      firstByteMs: 0.5,
      echoMs: 0.5,
      tlsVersion: "TLSv1.3",
      tlsVerified: ["chain", "name"],
      certDaysLeft: 89.5 - seq,
      ...(attempts ? { attempts } : {}),
    });
  const fallback = [{ address: "::1", error: "timeout", ms: 250 }, { address: "10.0.0.7", ms: 1 }];
  const { runs } = read([tls(1, "::1"), tls(2, "10.0.0.7", fallback), tls(3, "10.0.0.7")]);
  const { details } = runs[0]!;
  assert.deepEqual(details.phases.tlsMs, { sum: 12, count: 3 });
  assert.deepEqual(details.phases.connectMs, { sum: 3, count: 3 });
  assert.deepEqual([details.tlsVersion, details.certDaysLeft], ["TLSv1.3", 86.5]);
  assert.deepEqual(details.tlsVerified, ["chain", "name"]);
  assert.deepEqual([details.fallbacks, details.firstFallback], [1, "::1 timeout"]);
  assert.deepEqual([...details.addresses], [["::1", 1], ["10.0.0.7", 2]]);
  assert.equal(details.connectOnly, false);
  const connectOnly = read([
    probe(1, { connectOnly: true, bytes: undefined, reused: undefined }),
    JSON.stringify({ type: "load", target: "x:1", connectOnly: true, ok: 5, failed: 0 }),
  ]).runs;
  assert.deepEqual(connectOnly.map((run) => run.details.connectOnly), [true, true]);
});

Deno.test("RunReader keeps a UDP run whole though its lines come in the order decided, and sorts it", () => {
  // As client --udp writes them: probe 1 lost (decided at its timeout, after 2 to 4),
  // probe 3 answered before probe 2 (reordered); then the next run's probe 1.
  const udp = (seq: number, ok: boolean, timeMs: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      type: "probe",
      proto: "udp",
      seq,
      timestamp: new Date(Date.UTC(2025, 0, 1) + seq * 10).toISOString(),
      ok,
      ...(ok ? { address: "10.0.0.7", port: 3005, bytes: 250, timeMs } : {
        error: { code: "timeout", message: "No reply within 100ms (lost)", size: 250 },
      }),
      ...extra,
    });
  const { runs } = read([
    udp(3, true, 1.5),
    udp(2, true, 9, { reordered: true }),
    udp(4, true, 2),
    udp(1, false, NaN),
    udp(1, true, 0.7), // seq 1 again: the next run
  ]);
  assert.equal(runs.length, 2);
  const [run, next] = runs;
  assert.deepEqual(run!.atMs, [0, 10, 20, 30], "in the order sent, from the first sent");
  assert.deepEqual(run!.ms.map((ms) => Number.isNaN(ms) ? "lost" : ms), ["lost", 9, 1.5, 2]);
  assert.deepEqual(run!.code, [0, -1, -1, -1]);
  assert.equal(run!.startedAt, Date.UTC(2025, 0, 1) + 10, "probe 1's send, not the first line's");
  assert.equal(run!.details.reordered, 1);
  assert.deepEqual(next!.ms, [0.7]);
});
