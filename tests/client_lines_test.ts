import assert from "node:assert/strict";
import {
  formatLoadInterval,
  formatLoadProgress,
  formatLoadReport,
  formatOutcome,
  formatSummary,
} from "../cli/client_lines.ts";
import { ProbeError } from "../lib/errors.ts";
import type { LoadReport } from "../lib/load.ts";
import type { ProbeResult } from "../lib/probe.ts";
import type { ProbeOutcome } from "../lib/series.ts";
import type { ProbeSummary } from "../lib/stats.ts";

const RED = "\x1b[31m";
const RESET = "\x1b[0m";
const timestamp = new Date("2026-01-02T03:04:05.678Z");

const result: ProbeResult = {
  seq: 1,
  hostname: "localhost",
  address: "127.0.0.1",
  port: 3005,
  localAddress: "127.0.0.1",
  localPort: 40000,
  bytes: 250,
  reused: false,
  resolveMs: 0.1234,
  connectMs: 0.0456,
  firstByteMs: 0.1,
  echoMs: 0.16789,
  timeMs: 0.21349,
  totalMs: 0.33689,
  finishedAt: 1,
};
const success: ProbeOutcome = { seq: 1, timestamp, ok: true, result };
const refused: ProbeOutcome = {
  seq: 2,
  timestamp,
  ok: false,
  error: new ProbeError("refused", "Connection refused", { seq: 2 }),
};

Deno.test("formatOutcome() of a success is ping's line, never coloured", () => {
  const line =
    "250 bytes from 127.0.0.1:3005: seq=1 time=0.213 ms connect=0.046 first=0.100 echo=0.168 local=127.0.0.1:40000";
  assert.equal(formatOutcome(success, { json: false }), line);
  assert.equal(formatOutcome(success, { json: false, color: true }), line);
});

Deno.test("formatOutcome() points out a changed address", () => {
  const moved: ProbeOutcome = {
    ...success,
    ok: true,
    result: { ...result, address: "::1", previousAddress: "127.0.0.1", localAddress: "::1" },
  };
  assert.equal(
    formatOutcome(moved, { json: false }),
    "250 bytes from [::1]:3005: seq=1 time=0.213 ms connect=0.046 first=0.100 echo=0.168 local=[::1]:40000 (address changed from 127.0.0.1)",
  );
  assert.deepEqual(
    Object.entries(JSON.parse(formatOutcome(moved, { json: true }))).slice(5, 8),
    [["address", "::1"], ["previousAddress", "127.0.0.1"], ["port", 3005]],
  );
});

Deno.test("formatOutcome() of a success as JSON, times rounded to microseconds", () => {
  assert.equal(
    formatOutcome(success, { json: true, color: true }),
    '{"type":"probe","seq":1,"timestamp":"2026-01-02T03:04:05.678Z","ok":true,"host":"localhost","address":"127.0.0.1","port":3005,"local":"127.0.0.1:40000","bytes":250,"reused":false,"resolveMs":0.123,"connectMs":0.046,"firstByteMs":0.1,"echoMs":0.168,"timeMs":0.213,"totalMs":0.337}',
  );
});

Deno.test("formatOutcome() of a failure: its message, red only when colour is asked for", () => {
  assert.equal(formatOutcome(refused, { json: false }), "seq=2 connection refused");
  assert.equal(formatOutcome(refused, { json: false, color: false }), "seq=2 connection refused");
  assert.equal(
    formatOutcome(refused, { json: false, color: true }),
    `${RED}seq=2 connection refused${RESET}`,
  );
});

Deno.test("formatOutcome() of a failure as JSON carries the code and details, never colour", () => {
  assert.equal(
    formatOutcome(refused, { json: true, color: true }),
    '{"type":"probe","seq":2,"timestamp":"2026-01-02T03:04:05.678Z","ok":false,"error":{"code":"refused","message":"Connection refused","phase":"connect"}}',
  );
  const timeout: ProbeOutcome = {
    seq: 3,
    timestamp,
    ok: false,
    error: new ProbeError("timeout", "Timeout after 200ms waiting for echo (0/250 bytes back)", {
      seq: 3,
      size: 250,
      bytesBack: 0,
      phase: "echo",
    }),
  };
  assert.deepEqual(JSON.parse(formatOutcome(timeout, { json: true })).error, {
    code: "timeout",
    message: "Timeout after 200ms waiting for echo (0/250 bytes back)",
    size: 250,
    bytesBack: 0,
    phase: "echo",
  });
});

const summary: ProbeSummary = {
  transmitted: 3,
  received: 2,
  lossPct: 100 / 3,
  minMs: 0.2,
  avgMs: 1.25,
  maxMs: 12.5,
  mdevMs: 125,
  p50Ms: 0.213,
  p90Ms: 12.5,
  p99Ms: 12.5,
  jitterMs: 0.5,
  errors: { timeout: 1 },
};
const extra = { drops: 1, durationMs: 1234.6, seed: 42 };

Deno.test("formatSummary() prints ping's statistics, percentiles and errors", () => {
  assert.equal(
    formatSummary("localhost:3005", summary, extra, { json: false }),
    [
      "--- localhost:3005 echoprobe statistics ---",
      "3 probes transmitted, 2 received, 33.3% loss, 1 drops, time 1235ms",
      "time min/avg/max/mdev = 0.200/1.25/12.5/125 ms",
      "time p50/p90/p99 = 0.213/12.5/12.5 ms, jitter 0.500 ms",
      "errors: timeout=1",
    ].join("\n"),
  );
});

Deno.test("formatSummary() colours a loss red only when colour is asked for and loss > 0", () => {
  const coloured = formatSummary("localhost:3005", summary, extra, { json: false, color: true });
  assert.equal(
    coloured.split("\n")[1],
    `3 probes transmitted, 2 received, ${RED}33.3% loss${RESET}, 1 drops, time 1235ms`,
  );
  const clean = { ...summary, transmitted: 2, lossPct: 0, errors: {} };
  const noLoss = formatSummary("localhost:3005", clean, extra, { json: false, color: true });
  assert.ok(!noLoss.includes("\x1b["), noLoss);
  assert.equal(noLoss.split("\n").length, 4, "no errors line");
});

Deno.test("formatSummary() with nothing received leaves out the times; one success, no jitter", () => {
  const none: ProbeSummary = {
    ...summary,
    transmitted: 1,
    received: 0,
    lossPct: 100,
    minMs: NaN,
    avgMs: NaN,
    maxMs: NaN,
    mdevMs: NaN,
    p50Ms: NaN,
    p90Ms: NaN,
    p99Ms: NaN,
    jitterMs: NaN,
    errors: { refused: 1 },
  };
  assert.equal(
    formatSummary("127.0.0.1:9", none, { drops: 0, durationMs: 3.4, seed: 1 }, { json: false }),
    [
      "--- 127.0.0.1:9 echoprobe statistics ---",
      "1 probes transmitted, 0 received, 100% loss, 0 drops, time 3ms",
      "errors: refused=1",
    ].join("\n"),
  );
  const one = { ...summary, transmitted: 1, received: 1, lossPct: 0, jitterMs: NaN, errors: {} };
  assert.match(
    formatSummary("127.0.0.1:9", one, extra, { json: false }),
    /\ntime p50\/p90\/p99 = 0\.213\/12\.5\/12\.5 ms, jitter -$/,
  );
});

Deno.test("formatSummary() as JSON: unknown times are null, no colour", () => {
  assert.equal(
    formatSummary("localhost:3005", summary, extra, { json: true, color: true }),
    '{"type":"summary","target":"localhost:3005","transmitted":3,"received":2,"lossPct":33.333,"drops":1,"minMs":0.2,"avgMs":1.25,"maxMs":12.5,"mdevMs":125,"p50Ms":0.213,"p90Ms":12.5,"p99Ms":12.5,"jitterMs":0.5,"errors":{"timeout":1},"durationMs":1234.6,"seed":42}',
  );
  const unknown = JSON.parse(
    formatSummary("localhost:3005", { ...summary, jitterMs: NaN, minMs: NaN }, extra, {
      json: true,
    }),
  );
  assert.deepEqual([unknown.jitterMs, unknown.minMs], [null, null]);
});

Deno.test("formatLoadProgress() shows rate, throughput, p99 and errors so far", () => {
  assert.equal(
    formatLoadProgress({
      elapsedMs: 5_000,
      ok: 821_345,
      failed: 0,
      bytes: 205_336_250,
      p99Ms: 0.31,
    }),
    "5s  164269/s  41.07 MB/s  p99 0.310 ms  errors 0",
  );
  assert.equal(
    formatLoadProgress({ elapsedMs: 1_000, ok: 0, failed: 7, bytes: 0, p99Ms: NaN }),
    "1s  0/s  0.00 MB/s  p99 - ms  errors 7",
  );
});

const report: LoadReport = {
  elapsedMs: 2_000,
  ok: 400,
  failed: 2,
  bytes: 100_000,
  p99Ms: 0.4,
  concurrency: 4,
  perSecond: 200,
  megabytesPerSecond: 0.05,
  latency: { minMs: 0.1, p50Ms: 0.2, p90Ms: 0.3, p99Ms: 0.4, p999Ms: 0.5, maxMs: 1.5 },
  errors: { refused: 2 },
  drops: 1,
};

Deno.test("formatLoadReport() as text: loops, scheduled rate, totals, latency, errors", () => {
  assert.equal(
    formatLoadReport("127.0.0.1:3005", report, { concurrency: 4, rate: 100 }, { json: false }),
    [
      "--- 127.0.0.1:3005 echoprobe load: 4 loops, 100/s scheduled ---",
      "400 probes ok, 2 failed, 200/s, 0.05 MB/s, 1 drops, time 2000ms",
      "latency min/p50/p90/p99/p99.9/max = 0.100/0.200/0.300/0.400/0.500/1.50 ms",
      "errors: refused=2",
    ].join("\n"),
  );
  const none = {
    ...report,
    ok: 0,
    errors: {},
    latency: { minMs: NaN, p50Ms: NaN, p90Ms: NaN, p99Ms: NaN, p999Ms: NaN, maxMs: NaN },
  };
  const lines = formatLoadReport("127.0.0.1:3005", none, { concurrency: 4 }, { json: false })
    .split("\n");
  assert.equal(lines[0], "--- 127.0.0.1:3005 echoprobe load: 4 loops ---");
  assert.equal(lines[2], "latency min/p50/p90/p99/p99.9/max = -/-/-/-/-/- ms");
  assert.equal(lines.length, 3, "no errors line");
});

Deno.test("formatLoadReport() as JSON: rate null when unscheduled", () => {
  assert.equal(
    formatLoadReport("127.0.0.1:3005", report, { concurrency: 4 }, { json: true }),
    '{"type":"load","target":"127.0.0.1:3005","concurrency":4,"rate":null,"ok":400,"failed":2,"bytes":100000,"durationMs":2000,"perSecond":200,"megabytesPerSecond":0.05,"drops":1,"minMs":0.1,"p50Ms":0.2,"p90Ms":0.3,"p99Ms":0.4,"p999Ms":0.5,"maxMs":1.5,"errors":{"refused":2}}',
  );
  const scheduled = formatLoadReport("h:1", report, { concurrency: 4, rate: 100 }, {
    json: true,
  });
  assert.equal(JSON.parse(scheduled).rate, 100);
});

Deno.test("formatOutcome() of a failure says where: address and port first, local last", () => {
  const timeout: ProbeOutcome = {
    seq: 2,
    timestamp,
    ok: false,
    error: new ProbeError("timeout", "Timeout after 200ms waiting for echo (0/250 bytes back)", {
      seq: 2,
      host: "localhost",
      address: "::1",
      port: 3005,
      local: "[::1]:40000",
      size: 250,
      bytesBack: 0,
      phase: "echo",
    }),
  };
  assert.equal(
    formatOutcome(timeout, { json: false }),
    "seq=2 [::1]:3005 timeout after 200ms waiting for echo (0/250 bytes back) local=[::1]:40000",
  );
  assert.deepEqual(Object.keys(JSON.parse(formatOutcome(timeout, { json: true })).error), [
    "code",
    "message",
    "host",
    "address",
    "port",
    "local",
    "size",
    "bytesBack",
    "phase",
  ]);
  const unresolved: ProbeOutcome = {
    seq: 1,
    timestamp,
    ok: false,
    error: new ProbeError("resolve", 'Cannot resolve "db.internal"', {
      seq: 1,
      host: "db.internal",
      port: 5432,
    }),
  };
  assert.equal(
    formatOutcome(unresolved, { json: false }),
    'seq=1 db.internal:5432 cannot resolve "db.internal"',
  );
});

Deno.test("formatOutcome() shows the attempts of a name's addresses: all in JSON, failures in text", () => {
  const attempts = [
    { address: "::1", error: "refused" as const, ms: 0.21234 },
    { address: "127.0.0.1", ms: 0.3456 },
  ];
  const eyeballs: ProbeOutcome = { ...success, ok: true, result: { ...result, attempts } };
  assert.equal(
    formatOutcome(eyeballs, { json: false }),
    "250 bytes from 127.0.0.1:3005: seq=1 time=0.213 ms connect=0.046 first=0.100 echo=0.168 local=127.0.0.1:40000 (after ::1 refused)",
  );
  assert.deepEqual(JSON.parse(formatOutcome(eyeballs, { json: true })).attempts, [
    { address: "::1", error: "refused", ms: 0.212 },
    { address: "127.0.0.1", ms: 0.346 },
  ]);
  const refused: ProbeOutcome = {
    seq: 3,
    timestamp,
    ok: false,
    error: new ProbeError("refused", "Connection refused (::1 refused, 127.0.0.1 refused)", {
      seq: 3,
      host: "localhost",
      port: 3005,
      attempts: [{ ...attempts[0]! }, { address: "127.0.0.1", error: "refused", ms: 0.1 }],
    }),
  };
  assert.equal(
    formatOutcome(refused, { json: false }),
    "seq=3 localhost:3005 connection refused (::1 refused, 127.0.0.1 refused)",
  );
  assert.deepEqual(JSON.parse(formatOutcome(refused, { json: true })).error, {
    code: "refused",
    message: "Connection refused (::1 refused, 127.0.0.1 refused)",
    host: "localhost",
    port: 3005,
    attempts: [
      { address: "::1", error: "refused", ms: 0.212 },
      { address: "127.0.0.1", error: "refused", ms: 0.1 },
    ],
    phase: "connect",
  });
});

Deno.test("formatLoadInterval() is one JSON object of that interval alone", () => {
  const interval = {
    startedAt: new Date("2025-01-02T03:04:05.678Z"),
    startMs: 1_000.4567,
    elapsedMs: 2_000.4567,
    ok: 1_500,
    failed: 3,
    p50Ms: 0.2134,
    p99Ms: 1.25,
    maxMs: 4,
    errors: { timeout: 3 },
  };
  assert.equal(
    formatLoadInterval("127.0.0.1:3005", interval),
    '{"type":"interval","target":"127.0.0.1:3005","timestamp":"2025-01-02T03:04:05.678Z","startMs":1000.457,"elapsedMs":2000.457,"ok":1500,"failed":3,"perSecond":1500,"p50Ms":0.213,"p99Ms":1.25,"maxMs":4,"errors":{"timeout":3}}',
  );
  const empty = JSON.parse(formatLoadInterval("h:1", {
    ...interval,
    elapsedMs: 1_250.4567,
    ok: 0,
    p50Ms: NaN,
    p99Ms: NaN,
    maxMs: NaN,
  }));
  assert.deepEqual([empty.perSecond, empty.p50Ms, empty.p99Ms, empty.maxMs], [0, null, null, null]);
  // A UDP run's intervals say so, as its every object does.
  assert.match(
    formatLoadInterval("127.0.0.1:3005", interval, "udp"),
    /^\{"type":"interval","proto":"udp","target":"127\.0\.0\.1:3005",/,
  );
});

const tlsResult: ProbeResult = {
  ...result,
  tlsMs: 1.5204,
  timeMs: 1.73389,
  tls: {
    version: "TLSv1.3",
    verified: ["chain", "name"],
    certificate: {
      subject: "CN=localhost",
      issuer: "CN=Test CA",
      notBefore: new Date("2026-01-01T00:00:00Z"),
      notAfter: new Date("2026-03-03T15:04:05.678Z"), // 60.5 days after the probe
      sha256: "3B:A9",
    },
  },
};

Deno.test("formatOutcome() of a TLS probe: the handshake's time, the days the certificate has left", () => {
  const outcome: ProbeOutcome = { seq: 1, timestamp, ok: true, result: tlsResult };
  assert.equal(
    formatOutcome(outcome, { json: false }),
    "250 bytes from 127.0.0.1:3005: seq=1 time=1.73 ms connect=0.046 tls=1.52 first=0.100 echo=0.168 local=127.0.0.1:40000 cert=60d",
  );
  const json = JSON.parse(formatOutcome(outcome, { json: true }));
  assert.deepEqual(Object.fromEntries(Object.entries(json).slice(-8)), {
    tlsMs: 1.52,
    tlsVersion: "TLSv1.3",
    tlsVerified: ["chain", "name"],
    certSubject: "CN=localhost",
    certIssuer: "CN=Test CA",
    certNotAfter: "2026-03-03T15:04:05Z",
    certDaysLeft: 60,
    certSha256: "3B:A9",
  });
});

Deno.test("formatOutcome() says what less than chain and name was verified, and an expired certificate", () => {
  const line = (
    verified: ("chain" | "name" | "pin")[],
    notAfter = tlsResult.tls!.certificate.notAfter,
  ) =>
    formatOutcome({
      seq: 1,
      timestamp,
      ok: true,
      result: {
        ...tlsResult,
        tls: {
          ...tlsResult.tls!,
          verified,
          certificate: { ...tlsResult.tls!.certificate, notAfter },
        },
      },
    }, { json: false });
  assert.match(line(["pin"]), / cert=60d verified=pin$/);
  assert.match(line(["chain"]), / cert=60d verified=chain$/);
  assert.match(line([]), / cert=60d UNVERIFIED$/);
  assert.match(line([], new Date("2026-01-01T00:00:00Z")), / cert=EXPIRED UNVERIFIED$/);
});

Deno.test("formatOutcome() of a connect-only probe: what was measured, no bytes, no echo", () => {
  const connected: ProbeResult = {
    ...result,
    bytes: 0,
    firstByteMs: 0,
    echoMs: 0,
    timeMs: 0.41,
    connectMs: 0.41,
    connectOnly: true,
  };
  const outcome: ProbeOutcome = { seq: 1, timestamp, ok: true, result: connected };
  assert.equal(
    formatOutcome(outcome, { json: false }),
    "connected to 127.0.0.1:3005: seq=1 time=0.410 ms local=127.0.0.1:40000",
  );
  const json = JSON.parse(formatOutcome(outcome, { json: true }));
  assert.equal(json.connectOnly, true);
  for (const field of ["bytes", "reused", "firstByteMs", "echoMs"]) {
    assert.ok(!(field in json), field);
  }
  const overTls: ProbeOutcome = {
    ...outcome,
    result: { ...connected, tlsMs: 1.5204, timeMs: 1.93, tls: tlsResult.tls! },
  };
  assert.equal(
    formatOutcome(overTls, { json: false }),
    "connected to 127.0.0.1:3005: seq=1 time=1.93 ms connect=0.410 tls=1.52 local=127.0.0.1:40000 cert=60d",
  );
});

Deno.test("formatOutcome() of a TLS failure keeps TLS upper-case and says where; JSON has the reason", () => {
  const failed: ProbeOutcome = {
    seq: 4,
    timestamp,
    ok: false,
    error: new ProbeError("tls", "TLS handshake failed: received fatal alert", {
      seq: 4,
      host: "localhost",
      address: "127.0.0.1",
      port: 3005,
      local: "127.0.0.1:40000",
      phase: "tls",
      reason: "handshake",
    }),
  };
  assert.equal(
    formatOutcome(failed, { json: false }),
    "seq=4 127.0.0.1:3005 TLS handshake failed: received fatal alert local=127.0.0.1:40000",
  );
  assert.deepEqual(JSON.parse(formatOutcome(failed, { json: true })).error, {
    code: "tls",
    message: "TLS handshake failed: received fatal alert",
    host: "localhost",
    address: "127.0.0.1",
    port: 3005,
    local: "127.0.0.1:40000",
    phase: "tls",
    reason: "handshake",
  });
});

Deno.test("formatOutcome() of a connect-only probe after a failed attempt names it, as an echo probe's does", () => {
  const attempts = [
    { address: "::1", error: "refused" as const, ms: 0.2 },
    { address: "127.0.0.1", ms: 0.3 },
  ];
  const connected: ProbeResult = {
    ...result,
    bytes: 0,
    firstByteMs: 0,
    echoMs: 0,
    timeMs: 0.5,
    connectMs: 0.5,
    connectOnly: true,
    attempts,
  };
  const outcome: ProbeOutcome = { seq: 1, timestamp, ok: true, result: connected };
  assert.equal(
    formatOutcome(outcome, { json: false }),
    "connected to 127.0.0.1:3005: seq=1 time=0.500 ms local=127.0.0.1:40000 (after ::1 refused)",
  );
  assert.deepEqual(JSON.parse(formatOutcome(outcome, { json: true })).attempts, [
    { address: "::1", error: "refused", ms: 0.2 },
    { address: "127.0.0.1", ms: 0.3 },
  ]);
});

Deno.test("formatLoadReport() of connect-only load counts connections, no throughput", () => {
  const connects = { ...report, bytes: 0, megabytesPerSecond: 0 };
  const settings = { concurrency: 4, connectOnly: true };
  assert.equal(
    formatLoadReport("127.0.0.1:3005", connects, settings, { json: false }).split("\n")[1],
    "400 connects ok, 2 failed, 200/s, 1 drops, time 2000ms",
  );
  assert.equal(
    JSON.parse(formatLoadReport("h:1", connects, settings, { json: true })).connectOnly,
    true,
  );
});
