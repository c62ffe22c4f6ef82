/** What the UDP client prints: probe, duplicate and late lines, statistics, load report. */
import assert from "node:assert/strict";
import {
  formatUdpEvent,
  formatUdpHeader,
  formatUdpLoadReport,
  formatUdpSummary,
} from "../cli/udp_client_lines.ts";
import { ProbeError } from "../lib/errors.ts";
import type { UdpEvent } from "../lib/udp_probe_options.ts";
import type { UdpLoadReport } from "../lib/udp_load.ts";
import type { UdpSummary } from "../lib/udp_stats.ts";

const TEXT = { json: false };
const JSON_STYLE = { json: true };
const TIMESTAMP = new Date("2026-09-14T10:00:00.000Z");
const FROM = { hostname: "127.0.0.1", port: 3005 };

const OK: UdpEvent = {
  kind: "probe",
  seq: 4,
  timestamp: TIMESTAMP,
  ok: true,
  reply: {
    seq: 4,
    hostname: "localhost",
    address: "127.0.0.1",
    port: 3005,
    from: FROM,
    localAddress: "0.0.0.0",
    localPort: 41000,
    bytes: 250,
    rttMs: 0.2134,
    latencyMs: 0.2134,
    reordered: true,
  },
};

Deno.test("a UDP probe line, ping style, says when it came out of order", () => {
  assert.equal(
    formatUdpHeader("127.0.0.1:3005", 250, "random payload (seed 7)"),
    "ECHOPROBE udp 127.0.0.1:3005: 250-byte datagrams (20-byte header), random payload (seed 7)",
  );
  assert.equal(
    formatUdpEvent(OK, 250, TEXT),
    "250 bytes from 127.0.0.1:3005: seq=4 time=0.213 ms local=0.0.0.0:41000 (reordered)",
  );
  assert.deepEqual(JSON.parse(formatUdpEvent(OK, 250, JSON_STYLE)), {
    type: "probe",
    proto: "udp",
    seq: 4,
    timestamp: "2026-09-14T10:00:00.000Z",
    ok: true,
    host: "localhost",
    address: "127.0.0.1",
    port: 3005,
    from: "127.0.0.1:3005",
    local: "0.0.0.0:41000",
    bytes: 250,
    timeMs: 0.213,
    reordered: true,
  });
});

Deno.test("a lost UDP probe is one line, red on a terminal, with its error in JSON", () => {
  const lost: UdpEvent = {
    kind: "probe",
    seq: 5,
    timestamp: TIMESTAMP,
    ok: false,
    error: new ProbeError("timeout", "No reply within 1s (lost)", {
      seq: 5,
      size: 250,
      bytesBack: 0,
    }),
  };
  assert.equal(formatUdpEvent(lost, 250, TEXT), "seq=5 no reply within 1s (lost)");
  assert.equal(
    formatUdpEvent(lost, 250, { json: false, color: true }),
    "\x1b[31mseq=5 no reply within 1s (lost)\x1b[0m",
  );
  assert.deepEqual(JSON.parse(formatUdpEvent(lost, 250, JSON_STYLE)).error, {
    code: "timeout",
    message: "No reply within 1s (lost)",
    size: 250,
    bytesBack: 0,
  });
});

Deno.test("duplicate and late replies have lines of their own", () => {
  const duplicate: UdpEvent = { kind: "duplicate", seq: 4, rttMs: 1.5, from: FROM };
  const late: UdpEvent = { kind: "late", seq: 5, rttMs: 1530, from: FROM };
  assert.equal(
    formatUdpEvent(duplicate, 250, TEXT),
    "250 bytes from 127.0.0.1:3005: seq=4 time=1.50 ms (DUP!)",
  );
  assert.equal(
    formatUdpEvent(late, 250, TEXT),
    "250 bytes from 127.0.0.1:3005: seq=5 time=1530 ms (late, counted lost)",
  );
  assert.deepEqual(JSON.parse(formatUdpEvent(late, 250, JSON_STYLE)), {
    type: "late",
    proto: "udp",
    seq: 5,
    from: "127.0.0.1:3005",
    timeMs: 1530,
  });
});

const SUMMARY: UdpSummary = {
  transmitted: 200,
  received: 162,
  lost: 38,
  lossPct: 19,
  duplicates: 9,
  reordered: 31,
  late: 1,
  stray: 0,
  minMs: 6.12,
  avgMs: 10.2,
  maxMs: 30.5,
  mdevMs: 3.14,
  p50Ms: 9.8,
  p90Ms: 14.1,
  p99Ms: 28.9,
  jitterMs: 2.31,
  errors: { timeout: 38 },
};

Deno.test("the UDP statistics: loss, duplicates, reordered, late, rtt, RFC 3550 jitter", () => {
  assert.equal(
    formatUdpSummary("127.0.0.1:3005", SUMMARY, { durationMs: 1234.4, seed: 7 }, TEXT),
    [
      "--- udp 127.0.0.1:3005 echoprobe statistics ---",
      "200 probes transmitted, 162 received, 19% loss, 9 duplicates, 31 reordered, 1 late, time 1234ms",
      "rtt min/avg/max/mdev = 6.12/10.2/30.5/3.14 ms",
      "rtt p50/p90/p99 = 9.80/14.1/28.9 ms, jitter 2.31 ms (RFC 3550)",
      "errors: timeout=38",
    ].join("\n"),
  );
  const json = JSON.parse(formatUdpSummary("127.0.0.1:3005", { ...SUMMARY, stray: 2 }, {
    durationMs: 1234.4,
    seed: 7,
  }, JSON_STYLE));
  assert.deepEqual(Object.keys(json), [
    "type",
    "proto",
    "target",
    "transmitted",
    "received",
    "lossPct",
    "lost",
    "duplicates",
    "reordered",
    "late",
    "stray",
    "minMs",
    "avgMs",
    "maxMs",
    "mdevMs",
    "p50Ms",
    "p90Ms",
    "p99Ms",
    "jitterMs",
    "errors",
    "durationMs",
    "seed",
  ]);
  assert.deepEqual([json.proto, json.stray, json.jitterMs, json.durationMs], [
    "udp",
    2,
    2.31,
    1234.4,
  ]);
});

Deno.test("the UDP statistics with no reply leave the times out, and say stray datagrams", () => {
  const none = { ...SUMMARY, received: 0, lossPct: 100, stray: 3, minMs: NaN, jitterMs: NaN };
  const text = formatUdpSummary("h:1", none, { durationMs: 10, seed: 1 }, TEXT);
  assert.ok(!text.includes("rtt"), text);
  assert.match(text, /\nstray datagrams \(no reply to this run\): 3\n/);
  const json = JSON.parse(formatUdpSummary("h:1", none, { durationMs: 10, seed: 1 }, JSON_STYLE));
  assert.deepEqual([json.minMs, json.jitterMs], [null, null]);
});

Deno.test("the UDP load report, text and JSON", () => {
  const report: UdpLoadReport = {
    ...SUMMARY,
    transmitted: 5000,
    received: 4990,
    lost: 10,
    lossPct: 0.2,
    errors: { timeout: 10 },
    concurrency: 1,
    elapsedMs: 5003.7,
    perSecond: 997.3,
    bytes: 1_247_500,
    megabytesPerSecond: 0.2493,
    p999Ms: 29.7,
  };
  assert.equal(
    formatUdpLoadReport(
      "127.0.0.1:3005",
      report,
      { concurrency: 1, rate: 1000, durationMs: 5000 },
      TEXT,
    ),
    [
      "--- udp 127.0.0.1:3005 echoprobe load: 1000/s scheduled ---",
      "4990 probes ok, 10 failed (0.2% loss), 997/s, 0.25 MB/s, 9 duplicates, 31 reordered, 1 late, time 5004ms",
      "latency min/p50/p90/p99/p99.9/max = 6.12/9.80/14.1/28.9/29.7/30.5 ms, jitter 2.31 ms (RFC 3550)",
      "errors: timeout=10",
    ].join("\n"),
  );
  const json = JSON.parse(
    formatUdpLoadReport("127.0.0.1:3005", report, { concurrency: 1, rate: 1000 }, JSON_STYLE),
  );
  assert.deepEqual(
    [
      json.type,
      json.proto,
      json.rate,
      json.ok,
      json.failed,
      json.lost,
      json.p999Ms,
      json.perSecond,
    ],
    ["load", "udp", 1000, 4990, 10, 10, 29.7, 997],
  );
});
