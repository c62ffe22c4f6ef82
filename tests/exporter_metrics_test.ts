/** `cli/exporter_metrics.ts`: a /probe report and the exporter's counts, as exact text. */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { exporterFamilies, probeFamilies } from "../cli/exporter_metrics.ts";
import type { ProbeReport } from "../cli/exporter_probe.ts";
import { renderMetrics } from "../cli/metrics_text.ts";

/** The sample lines of an exposition (no HELP or TYPE). */
function samples(text: string): string[] {
  return text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
}

const SUCCESS: ProbeReport = {
  proto: "tcp",
  success: true,
  durationMs: 212.3456,
  summary: {
    transmitted: 3,
    received: 3,
    lossPct: 0,
    minMs: 0.5,
    avgMs: 0.75,
    maxMs: 1.1,
    mdevMs: 0.25,
    p50Ms: 0.65,
    p90Ms: 1.1,
    p99Ms: 1.1,
    jitterMs: 0.3,
    errors: {},
  },
  dnsLookupMs: 1.25,
  ipFamily: 4,
  phasesMs: { resolve: 1.25, connect: 0.3, tls: 0, first_byte: 0.4, echo: 0.05 },
  failedDueToBytes: false,
  mismatch: undefined,
  errors: [],
  failedAttempts: 0,
  tls: undefined,
  udp: undefined,
};

Deno.test("probeFamilies() of a good series: blackbox's names, the phases, loss and RTT", () => {
  const text = renderMetrics(probeFamilies(SUCCESS));
  assert.deepEqual(samples(text), [
    "probe_success 1",
    "probe_duration_seconds 0.212346",
    "probe_dns_lookup_time_seconds 0.00125",
    "probe_ip_protocol 4",
    "probe_failed_due_to_bytes 0",
    'probe_tcp_duration_seconds{phase="resolve"} 0.00125',
    'probe_tcp_duration_seconds{phase="connect"} 0.0003',
    'probe_tcp_duration_seconds{phase="tls"} 0',
    'probe_tcp_duration_seconds{phase="first_byte"} 0.0004',
    'probe_tcp_duration_seconds{phase="echo"} 0.00005',
    "probe_echo_probes_sent 3",
    "probe_echo_probes_received 3",
    "probe_echo_loss_ratio 0",
    "probe_echo_rtt_min_seconds 0.0005",
    "probe_echo_rtt_avg_seconds 0.00075",
    "probe_echo_rtt_max_seconds 0.0011",
    "probe_echo_rtt_p50_seconds 0.00065",
    "probe_echo_rtt_p90_seconds 0.0011",
    "probe_echo_rtt_p99_seconds 0.0011",
    "probe_echo_rtt_mdev_seconds 0.00025",
    "probe_echo_jitter_seconds 0.0003",
    "probe_echo_connect_attempts_failed 0",
  ]);
  // Types and help as blackbox_exporter declares its own series: all gauges.
  assert.match(
    text,
    /^# HELP probe_success 1 when the probe series succeeded .*\n# TYPE probe_success gauge\nprobe_success 1\n/,
  );
  assert.equal(text.match(/^# TYPE \S+ gauge$/gm)?.length, 18, "every family a gauge");
  assert.doesNotMatch(text, /probe_error_info|mismatch/, "no error series when none failed");
  assert.doesNotMatch(text, /probe_ssl_|probe_tls_|probe_udp_|_lost|_replies/, "TCP, no TLS");
});

Deno.test("probeFamilies() of a failed series: the error codes, the mismatch, NaN for RTT", () => {
  const report: ProbeReport = {
    ...SUCCESS,
    success: false,
    summary: {
      ...SUCCESS.summary,
      transmitted: 4,
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
      errors: { mismatch: 3, timeout: 1 },
    },
    dnsLookupMs: 0,
    ipFamily: undefined,
    phasesMs: { resolve: 0, connect: 0, tls: 0, first_byte: 0, echo: 0 },
    failedDueToBytes: true,
    mismatch: { offset: 17, differing: 1 },
    errors: [{ code: "mismatch" }, { code: "timeout", phase: "echo" }],
    failedAttempts: 2,
  };
  const text = renderMetrics(probeFamilies(report));
  assert.deepEqual(samples(text).filter((line) => !line.startsWith("probe_tcp_")), [
    "probe_success 0",
    "probe_duration_seconds 0.212346",
    "probe_dns_lookup_time_seconds 0",
    "probe_ip_protocol 0",
    "probe_failed_due_to_bytes 1",
    "probe_echo_probes_sent 4",
    "probe_echo_probes_received 0",
    "probe_echo_loss_ratio 1",
    "probe_echo_rtt_min_seconds NaN",
    "probe_echo_rtt_avg_seconds NaN",
    "probe_echo_rtt_max_seconds NaN",
    "probe_echo_rtt_p50_seconds NaN",
    "probe_echo_rtt_p90_seconds NaN",
    "probe_echo_rtt_p99_seconds NaN",
    "probe_echo_rtt_mdev_seconds NaN",
    "probe_echo_jitter_seconds NaN",
    "probe_echo_connect_attempts_failed 2",
    "probe_echo_mismatch_offset_bytes 17",
    "probe_echo_mismatch_differing_bytes 1",
    'probe_error_info{code="mismatch"} 1',
    'probe_error_info{code="timeout",phase="echo"} 1',
  ]);
  assert.match(text, /\n# TYPE probe_error_info gauge\n/);
});

Deno.test("probeFamilies() of a TLS series: the tls phase, blackbox's expiry and version, the checks", () => {
  const report: ProbeReport = {
    ...SUCCESS,
    phasesMs: { resolve: 0, connect: 0.3, tls: 2.5, first_byte: 0.4, echo: 0 },
    tls: {
      version: "TLSv1.3",
      notAfter: new Date("2027-11-30T08:40:57.999Z"),
      verified: ["pin"],
    },
  };
  const lines = samples(renderMetrics(probeFamilies(report)));
  assert.ok(lines.includes('probe_tcp_duration_seconds{phase="tls"} 0.0025'));
  const tls = lines.filter((line) => /^probe_(ssl|tls)_/.test(line));
  assert.deepEqual(tls, [
    "probe_ssl_earliest_cert_expiry 1827564057", // whole seconds, as blackbox's
    'probe_tls_version_info{version="TLS 1.3"} 1',
    'probe_tls_verified{check="chain"} 0',
    'probe_tls_verified{check="name"} 0',
    'probe_tls_verified{check="pin"} 1',
  ]);
  // A handshake that failed gave no certificate: no expiry, version or checks, as blackbox.
  const failed = renderMetrics(probeFamilies({
    ...report,
    success: false,
    tls: { version: undefined, notAfter: undefined, verified: undefined },
    errors: [{ code: "tls", phase: "tls", reason: "expired" }],
  }));
  assert.doesNotMatch(failed, /probe_ssl_|probe_tls_/);
  assert.match(failed, /\nprobe_error_info\{code="tls",phase="tls",reason="expired"\} 1\n/);
});

Deno.test("probeFamilies() of a UDP series: lost, duplicates, reordered, late, RFC 3550 jitter", () => {
  const report: ProbeReport = {
    ...SUCCESS,
    proto: "udp",
    success: false,
    summary: { ...SUCCESS.summary, transmitted: 10, received: 8, lossPct: 20, jitterMs: 0.125 },
    phasesMs: { resolve: 1.25, connect: 0, tls: 0, first_byte: 0, echo: 0 },
    errors: [{ code: "timeout" }],
    udp: { lost: 2, duplicates: 3, reordered: 1, late: 1, stray: 0 },
  };
  const text = renderMetrics(probeFamilies(report));
  assert.deepEqual(samples(text), [
    "probe_success 0",
    "probe_duration_seconds 0.212346",
    "probe_dns_lookup_time_seconds 0.00125",
    "probe_ip_protocol 4",
    "probe_failed_due_to_bytes 0",
    'probe_udp_duration_seconds{phase="resolve"} 0.00125',
    'probe_udp_duration_seconds{phase="rtt"} 0.00075',
    "probe_echo_probes_sent 10",
    "probe_echo_probes_received 8",
    "probe_echo_loss_ratio 0.2",
    "probe_echo_probes_lost 2",
    "probe_echo_duplicate_replies 3",
    "probe_echo_reordered_replies 1",
    "probe_echo_late_replies 1",
    "probe_echo_stray_datagrams 0",
    "probe_echo_rtt_min_seconds 0.0005",
    "probe_echo_rtt_avg_seconds 0.00075",
    "probe_echo_rtt_max_seconds 0.0011",
    "probe_echo_rtt_p50_seconds 0.00065",
    "probe_echo_rtt_p90_seconds 0.0011",
    "probe_echo_rtt_p99_seconds 0.0011",
    "probe_echo_rtt_mdev_seconds 0.00025",
    "probe_echo_interarrival_jitter_seconds 0.000125",
    'probe_error_info{code="timeout"} 1',
  ]);
  assert.match(text, /# HELP probe_echo_interarrival_jitter_seconds RFC 3550 interarrival/);
});

Deno.test("exporterFamilies() counts probes by result and refusals by reason", () => {
  const text = renderMetrics(exporterFamilies(
    {
      probes: { success: 10, failure: 2 },
      rejected: { invalid: 1, busy: 3, unsupported: 5 },
      inFlight: 4,
      maxConcurrent: 32,
    },
    1048576,
    1_700_000_000_000,
  ));
  assert.deepEqual(samples(text), [
    'echoprobe_exporter_probes_total{result="success"} 10',
    'echoprobe_exporter_probes_total{result="failure"} 2',
    'echoprobe_exporter_requests_rejected_total{reason="invalid"} 1',
    'echoprobe_exporter_requests_rejected_total{reason="busy"} 3',
    'echoprobe_exporter_requests_rejected_total{reason="unsupported"} 5',
    "echoprobe_exporter_probes_in_flight 4",
    "echoprobe_exporter_max_concurrent 32",
    `echoprobe_build_info{version="${denoJson.version}",deno="${Deno.version.deno}"} 1`,
    "process_resident_memory_bytes 1048576",
    "process_start_time_seconds 1700000000",
  ]);
  assert.match(text, /\n# TYPE echoprobe_exporter_probes_total counter\n/);
  assert.match(text, /\n# TYPE echoprobe_exporter_requests_rejected_total counter\n/);
});
