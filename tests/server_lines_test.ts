import assert from "node:assert/strict";
import {
  formatAcceptError,
  formatClose,
  formatListening,
  formatMetricsListening,
  formatReject,
  formatServerSummary,
  formatStats,
  formatStopping,
  formatTlsReady,
} from "../cli/server_lines.ts";

const v4 = (port: number): Deno.NetAddr => ({ transport: "tcp", hostname: "127.0.0.1", port });
const v6 = (port: number): Deno.NetAddr => ({ transport: "tcp", hostname: "::1", port });

Deno.test("formatListening() is the ready line scripts wait for, IPv6 in brackets", () => {
  assert.equal(formatListening(v4(3005), false), "echoprobe server listening on 127.0.0.1:3005");
  assert.equal(formatListening(v6(3005), false), "echoprobe server listening on [::1]:3005");
  assert.equal(
    formatListening(v6(3005), true),
    '{"event":"listening","host":"::1","port":3005}',
  );
});

Deno.test("formatMetricsListening() names the metrics address after the listening line", () => {
  assert.equal(
    formatMetricsListening(v4(43027), false),
    "echoprobe server metrics on 127.0.0.1:43027",
  );
  assert.equal(formatMetricsListening(v6(3007), false), "echoprobe server metrics on [::1]:3007");
  assert.equal(
    formatMetricsListening(v4(43027), true),
    '{"event":"metrics","host":"127.0.0.1","port":43027}',
  );
});

Deno.test("formatClose() gives the peer, counts, duration and reason of a closed connection", () => {
  const info = {
    remoteAddr: v4(40000),
    records: 2,
    bytes: 500,
    durationMs: 12.3456,
    reason: "eof" as const,
  };
  assert.equal(
    formatClose(info, false),
    "closed 127.0.0.1:40000 records=2 bytes=500 duration=12.3ms reason=eof",
  );
  assert.equal(
    formatClose(info, true),
    '{"event":"close","peer":"127.0.0.1:40000","records":2,"bytes":500,"durationMs":12.346,"reason":"eof"}',
  );
});

Deno.test("formatClose() adds the error of a reset, quoted in text", () => {
  const info = {
    remoteAddr: v6(40001),
    records: 0,
    bytes: 0,
    durationMs: 0.5,
    reason: "reset" as const,
    error: new Deno.errors.ConnectionReset("Connection reset by peer (os error 104)"),
  };
  assert.equal(
    formatClose(info, false),
    'closed [::1]:40001 records=0 bytes=0 duration=0.500ms reason=reset error="Connection reset by peer (os error 104)"',
  );
  assert.equal(
    formatClose(info, true),
    '{"event":"close","peer":"[::1]:40001","records":0,"bytes":0,"durationMs":0.5,"reason":"reset","error":"Connection reset by peer (os error 104)"}',
  );
});

Deno.test("formatReject() names the peer and the rule that closed it at accept", () => {
  const info = { remoteAddr: v4(40002), reason: "max-per-ip" as const };
  assert.equal(formatReject(info, false), "rejected 127.0.0.1:40002 reason=max-per-ip");
  assert.equal(
    formatReject(info, true),
    '{"event":"reject","peer":"127.0.0.1:40002","reason":"max-per-ip"}',
  );
});

Deno.test("formatAcceptError() and formatStopping() as text and JSON", () => {
  const error = new Error("Too many open files (os error 24)");
  assert.equal(formatAcceptError(error, false), "accept failed: Too many open files (os error 24)");
  assert.equal(
    formatAcceptError(error, true),
    '{"event":"accept-error","error":"Too many open files (os error 24)","count":1}',
  );
  assert.equal(
    formatAcceptError(error, false, 9_999),
    "accept failed 9999 times: Too many open files (os error 24)",
  );
  assert.equal(
    formatAcceptError(error, true, 9_999),
    '{"event":"accept-error","error":"Too many open files (os error 24)","count":9999}',
  );
  assert.equal(formatStopping(3, false), "echoprobe server stopping: 3 connections open");
  assert.equal(formatStopping(3, true), '{"event":"stopping","active":3}');
});

Deno.test("formatStats() gives totals, rates since the last snapshot and memory in KiB, the text's keys in JSON", () => {
  const reasons = {
    rejectedBy: { "max-connections": 0, "max-per-ip": 0, "not-allowed": 0 },
    closedBy: { eof: 0, timeout: 0, reset: 0, error: 0, shutdown: 0, limit: 0 },
  };
  const previous = {
    connections: 4,
    rejected: 0,
    records: 100,
    bytes: 25_000,
    active: 2,
    inFlight: 0,
    ...reasons,
  };
  const now = {
    ...reasons,
    connections: 6,
    rejected: 1,
    records: 300,
    bytes: 75_000,
    active: 3,
    inFlight: 1,
    logDropped: 12,
  };
  const memory = { rss: 40 * 1024 * 1024, heapUsed: 5 * 1024 * 1024 + 511 };
  assert.equal(
    formatStats(now, previous, 500, memory, false),
    "stats active=3 inflight=1 connections=6 rejected=1 records=300 bytes=75000 records_s=400 bytes_s=100000 rss_kib=40960 heap_kib=5120 log_dropped=12",
  );
  assert.equal(
    formatStats(now, previous, 500, memory, true),
    '{"event":"stats","active":3,"inflight":1,"connections":6,"rejected":1,"records":300,"bytes":75000,"records_s":400,"bytes_s":100000,"rss_kib":40960,"heap_kib":5120,"log_dropped":12}',
  );
  assert.match(formatStats(now, previous, 0, memory, false), / records_s=0 bytes_s=0 /);
});

Deno.test("formatServerSummary() is the server's last line, the dropped log lines at its end", () => {
  const summary = { connections: 1000, rejected: 2, records: 1000, bytes: 250_000, logDropped: 7 };
  assert.equal(
    formatServerSummary(summary, false),
    "echoprobe server stopped: connections=1000 rejected=2 records=1000 bytes=250000 log_dropped=7",
  );
  assert.equal(
    formatServerSummary(summary, true),
    '{"event":"summary","connections":1000,"rejected":2,"records":1000,"bytes":250000,"logDropped":7}',
  );
});

Deno.test("formatTlsReady() gives the certificate's fingerprint and end, after the listening line", () => {
  const certificate = {
    sha256: "3B:A9:39",
    notAfter: new Date("2027-11-30T08:30:49.870Z"),
    selfSigned: true,
  };
  assert.equal(
    formatTlsReady(certificate, false),
    "echoprobe server tls: certificate sha256=3B:A9:39 expires 2027-11-30T08:30:49Z (self-signed, made at start-up)",
  );
  assert.equal(
    formatTlsReady({ ...certificate, selfSigned: false }, false),
    "echoprobe server tls: certificate sha256=3B:A9:39 expires 2027-11-30T08:30:49Z",
  );
  assert.equal(
    formatTlsReady(certificate, true),
    '{"event":"tls","sha256":"3B:A9:39","notAfter":"2027-11-30T08:30:49Z","selfSigned":true}',
  );
});
