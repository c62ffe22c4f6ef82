/**
 * The metric families of a `/probe` answer that depend on how it probed: TLS (the
 * certificate's expiry and the version by blackbox_exporter's names, what was
 * verified) and UDP (lost, duplicated, reordered, late and stray replies, RFC 3550
 * jitter). Pure.
 *
 * @module
 */

import type { TlsCheck } from "../lib/tls_options.ts";
import type { ProbeReport } from "./exporter_probe.ts";
import { type MetricFamily, seconds } from "./metrics_text.ts";

/** The checks a TLS handshake can make, in the order `probe_tls_verified` lists them. */
const TLS_CHECKS: readonly TlsCheck[] = ["chain", "name", "pin"];

/** A gauge of one unlabelled sample. */
function gauge(name: string, help: string, value: number): MetricFamily {
  return { name, type: "gauge", help, samples: [{ value }] };
}

/**
 * A TLS version as blackbox_exporter labels it (`TLS 1.3`), from the runtime's name
 * (`TLSv1.3`).
 *
 * @param version The runtime's name of the version.
 * @returns blackbox's label value; `unknown` for a name it does not have.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blackboxTlsVersion } from "./exporter_protocol_metrics.ts";
 *
 * assert.equal(blackboxTlsVersion("TLSv1.3"), "TLS 1.3");
 * assert.equal(blackboxTlsVersion("TLSv1"), "TLS 1.0");
 * assert.equal(blackboxTlsVersion("SSLv3"), "unknown");
 * ```
 */
export function blackboxTlsVersion(version: string): string {
  const match = /^TLSv1(?:\.([0-3]))?$/.exec(version);
  return match ? `TLS 1.${match[1] ?? "0"}` : "unknown";
}

/**
 * What the TLS handshakes of a series showed, once one succeeded (as blackbox, which
 * has these series only after a handshake): `probe_ssl_earliest_cert_expiry`,
 * `probe_tls_version_info{version}` and `probe_tls_verified{check}`.
 *
 * @param report What the series found.
 * @returns The families; none without TLS or before a handshake succeeded.
 */
export function tlsFamilies(report: ProbeReport): MetricFamily[] {
  const { tls } = report;
  if (!tls || tls.notAfter === undefined) return [];
  const families = [
    gauge(
      "probe_ssl_earliest_cert_expiry",
      "Unix time in seconds at which the server's certificate expires (the leaf's: the runtime shows no other)",
      Math.floor(tls.notAfter.getTime() / 1000),
    ),
  ];
  if (tls.version !== undefined) {
    families.push({
      name: "probe_tls_version_info",
      type: "gauge",
      help: "The TLS version of the last handshake, as a label (blackbox's TLS 1.3 form)",
      samples: [{ labels: { version: blackboxTlsVersion(tls.version) }, value: 1 }],
    });
  }
  if (tls.verified !== undefined) {
    const verified = tls.verified;
    families.push({
      name: "probe_tls_verified",
      type: "gauge",
      help:
        "1 for each check the TLS handshakes made and passed (chain, name, pin), 0 for one not made (insecure_skip_verify=1, no pin_sha256)",
      samples: TLS_CHECKS.map((check) => ({
        labels: { check },
        value: verified.includes(check) ? 1 : 0,
      })),
    });
  }
  return families;
}

/**
 * What only a UDP series counts: lost, duplicated, reordered, late and stray replies.
 *
 * @param report What the series found.
 * @returns The families; none for a TCP series.
 */
export function udpFamilies(report: ProbeReport): MetricFamily[] {
  const { udp } = report;
  if (!udp) return [];
  return [
    gauge(
      "probe_echo_probes_lost",
      "Probes with no reply within the timeout (proto=udp)",
      udp.lost,
    ),
    gauge(
      "probe_echo_duplicate_replies",
      "Replies to a probe that had had its reply already (proto=udp)",
      udp.duplicates,
    ),
    gauge(
      "probe_echo_reordered_replies",
      "First replies that came after the reply of a later probe, as RFC 4737 counts them (proto=udp)",
      udp.reordered,
    ),
    gauge(
      "probe_echo_late_replies",
      "Replies that came after their probe's timeout; the probe stays lost (proto=udp)",
      udp.late,
    ),
    gauge(
      "probe_echo_stray_datagrams",
      "Datagrams that answered no probe of the series (proto=udp)",
      udp.stray,
    ),
  ];
}

/**
 * The jitter of a series: TCP's mean difference between consecutive round trips, or
 * UDP's RFC 3550 interarrival jitter, under a name of its own as the two differ.
 *
 * @param report What the series found.
 * @returns The family.
 */
export function jitterFamily(report: ProbeReport): MetricFamily {
  const ms = report.summary.jitterMs;
  return report.proto === "udp"
    ? gauge(
      "probe_echo_interarrival_jitter_seconds",
      "RFC 3550 interarrival jitter of the round trips, in arrival order, in seconds (NaN below two; proto=udp)",
      seconds(ms),
    )
    : gauge(
      "probe_echo_jitter_seconds",
      "Mean difference between consecutive successful round trips, in seconds (NaN below two)",
      seconds(ms),
    );
}
