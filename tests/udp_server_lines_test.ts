/** What the UDP server prints: ready line, per-source lines, snapshot, summary. */
import assert from "node:assert/strict";
import {
  formatUdpError,
  formatUdpListening,
  formatUdpSources,
  formatUdpStats,
  formatUdpSummary,
} from "../cli/udp_server_lines.ts";
import type { UdpServerStats } from "../lib/udp_server.ts";

const ADDR: Deno.NetAddr = { transport: "udp", hostname: "::", port: 3005 };

Deno.test("the UDP ready line names udp and ends with the port, as scripts read it", () => {
  assert.equal(formatUdpListening(ADDR, false), "echoprobe server listening on udp [::]:3005");
  assert.deepEqual(JSON.parse(formatUdpListening(ADDR, true)), {
    event: "listening",
    proto: "udp",
    host: "::",
    port: 3005,
  });
});

const REPORT = {
  sources: [{
    address: "10.0.0.7",
    received: 120,
    answered: 100,
    bytes: 25_000,
    refused: 20,
    refusedBy: { "source-rate": 18, "too-large": 2 },
    sendErrors: 0,
  }, {
    address: "10.0.0.8",
    received: 3,
    answered: 3,
    bytes: 750,
    refused: 0,
    refusedBy: {},
    sendErrors: 1,
  }],
  others: {
    sources: 40,
    received: 41,
    answered: 0,
    bytes: 0,
    refused: 41,
    refusedBy: { "not-allowed": 41 },
    sendErrors: 0,
  },
};

Deno.test("per-source lines: one per source, the rest on one line, reasons given only", () => {
  assert.deepEqual(formatUdpSources(REPORT, 10_000, false), [
    "udp 10.0.0.7 received=120 answered=100 bytes=25000 refused=20 source-rate=18 too-large=2",
    "udp 10.0.0.8 received=3 answered=3 bytes=750 refused=0 send-errors=1",
    "udp others sources=40 received=41 answered=0 bytes=0 refused=41 not-allowed=41",
  ]);
  assert.deepEqual(formatUdpSources({ sources: [], others: undefined }, 10_000, false), []);
});

Deno.test("per-source JSON lines carry every count and the period", () => {
  const [first, , others] = formatUdpSources(REPORT, 10_000, true).map((line) => JSON.parse(line));
  assert.deepEqual(first, {
    event: "udp-source",
    source: "10.0.0.7",
    received: 120,
    answered: 100,
    bytes: 25_000,
    refused: 20,
    refusedBy: { "source-rate": 18, "too-large": 2 },
    sendErrors: 0,
    periodMs: 10_000,
  });
  assert.equal(others.event, "udp-others");
  assert.equal(others.sources, 40);
});

const REFUSED = {
  "too-large": 1,
  "source-port": 2,
  "not-allowed": 0,
  "source-rate": 30,
  "global-rate": 0,
};

Deno.test("the UDP summary lists every refusal reason, zeros included, then the dropped log lines", () => {
  const summary = {
    received: 100,
    answered: 67,
    bytes: 16_750,
    refused: REFUSED,
    sendErrors: 0,
    logDropped: 4,
  };
  assert.equal(
    formatUdpSummary(summary, false),
    "echoprobe server stopped: udp received=100 answered=67 bytes=16750 refused=33 too-large=1 source-port=2 not-allowed=0 source-rate=30 global-rate=0 send-errors=0 log_dropped=4",
  );
  assert.deepEqual(JSON.parse(formatUdpSummary(summary, true)), {
    event: "summary",
    proto: "udp",
    received: 100,
    answered: 67,
    bytes: 16_750,
    refused: 33,
    refusedBy: REFUSED,
    sendErrors: 0,
    logDropped: 4,
  });
});

Deno.test("the UDP snapshot gives totals, rates since the last one and the dropped log lines", () => {
  const zero: UdpServerStats = {
    received: 0,
    answered: 0,
    bytes: 0,
    refused: { ...REFUSED, "too-large": 0, "source-port": 0, "source-rate": 0 },
    sendErrors: 0,
    sources: 0,
  };
  const now: UdpServerStats = {
    ...zero,
    received: 500,
    answered: 400,
    bytes: 1000,
    refused: REFUSED,
    sources: 3,
  };
  assert.equal(
    formatUdpStats({ ...now, logDropped: 9 }, zero, 2_000, false),
    "stats udp received=500 answered=400 refused=33 bytes=1000 received_s=250 answered_s=200 sources=3 log_dropped=9",
  );
  // JSON: the text's keys (snake_case, as TCP's snapshot), not the summary's camelCase.
  const json = JSON.parse(formatUdpStats({ ...now, logDropped: 9 }, zero, 2_000, true));
  assert.deepEqual(Object.keys(json), [
    "event",
    "proto",
    "received",
    "answered",
    "refused",
    "bytes",
    "received_s",
    "answered_s",
    "sources",
    "log_dropped",
  ]);
  assert.deepEqual([json.answered_s, json.log_dropped], [200, 9]);
});

Deno.test("a failed receive is one log line", () => {
  assert.equal(formatUdpError(new Error("boom"), false), "udp receive failed: boom");
  assert.deepEqual(JSON.parse(formatUdpError(new Error("boom"), true)), {
    event: "udp-error",
    error: "boom",
  });
});
