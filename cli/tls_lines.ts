/**
 * What the client prints of TLS and of connect-only probes: the header's words for
 * what is verified, a probe line's TLS fields, and their JSON. Pure.
 *
 * @module
 */

import type { ProbeResult } from "../lib/probe_options.ts";
import type { TlsInfo, TlsOptions } from "../lib/tls_options.ts";
import { formatMs, roundMs } from "./text.ts";

const DAY_MS = 86_400_000;

/**
 * What the header says of TLS: what is verified, loudly when less than curl does.
 *
 * @param tls The probe's TLS options.
 * @returns `TLS, verifying chain and name`, or `TLS UNVERIFIED (...)`, ...
 */
export function formatTlsMode(tls: TlsOptions): string {
  const pin = tls.pinSha256 !== undefined;
  if (!tls.insecureSkipVerify) {
    return pin ? "TLS, verifying chain, name and pinned sha256" : "TLS, verifying chain and name";
  }
  if (tls.caCerts && pin) {
    return "TLS, verifying chain (--ca) and pinned sha256, NOT the name (--insecure-skip-verify)";
  }
  if (tls.caCerts) return "TLS, verifying chain (--ca), NOT the name (--insecure-skip-verify)";
  if (pin) {
    return "TLS, verifying the pinned sha256 only, NOT chain or name (--insecure-skip-verify)";
  }
  return "TLS UNVERIFIED: any certificate is accepted (--insecure-skip-verify)";
}

/**
 * The TLS words of a probe line: the handshake's time, then (at the end) the days the
 * certificate has left and, when less than chain and name was verified, what was.
 *
 * @param result A TLS probe's result.
 * @param at When the probe ran (the days left count from it).
 * @returns ` tls=1.52` and ` cert=364d`, ` cert=364d verified=pin` or ` cert=364d UNVERIFIED`.
 */
export function formatTlsText(result: ProbeResult, at: Date): { time: string; end: string } {
  const { tls } = result;
  if (!tls || result.tlsMs === undefined) return { time: "", end: "" };
  const days = daysLeft(tls, at);
  const cert = days < 0 ? " cert=EXPIRED" : ` cert=${days}d`;
  const { verified } = tls;
  const full = verified.includes("chain") && verified.includes("name");
  const checks = full
    ? ""
    : verified.length === 0
    ? " UNVERIFIED"
    : ` verified=${verified.join(",")}`;
  return { time: ` tls=${formatMs(result.tlsMs)}`, end: `${cert}${checks}` };
}

/**
 * The JSON fields of a TLS probe: `tlsMs`, `tlsVersion`, `tlsVerified` and the
 * certificate's `certSubject`, `certIssuer`, `certNotAfter` (to the second, as the server
 * prints it), `certDaysLeft` (whole days, as the text's `cert=`), `certSha256`.
 *
 * @param result A probe's result.
 * @param at When the probe ran (the days left count from it).
 * @returns The fields; none for a probe without TLS.
 */
export function tlsJson(result: ProbeResult, at: Date): Record<string, unknown> {
  const { tls } = result;
  if (!tls || result.tlsMs === undefined) return {};
  const { certificate } = tls;
  return {
    tlsMs: roundMs(result.tlsMs),
    tlsVersion: tls.version,
    tlsVerified: tls.verified,
    certSubject: certificate.subject,
    certIssuer: certificate.issuer,
    certNotAfter: formatCertificateDate(certificate.notAfter),
    certDaysLeft: daysLeft(tls, at),
    certSha256: certificate.sha256,
  };
}

/**
 * The line of a successful connect-only probe.
 *
 * @param result The probe's result.
 * @param at When the probe ran.
 * @param where The address and port, as the lines show them.
 * @param local The local address and port.
 * @returns `connected to 10.0.0.7:5432: seq=1 time=0.410 ms local=...`, TLS words included.
 */
export function formatConnected(
  result: ProbeResult,
  at: Date,
  where: string,
  local: string,
): string {
  const { time, end } = formatTlsText(result, at);
  const phases = time ? ` connect=${formatMs(result.connectMs)}${time}` : "";
  return `connected to ${where}: seq=${result.seq} time=${
    formatMs(result.timeMs)
  } ms${phases} local=${local}${end}`;
}

/**
 * Whole days from the probe's start to the certificate's end of validity, floored: the
 * text's `cert=19d` and JSON's `certDaysLeft: 19` agree, and the last day left is 0, not 1;
 * -1 once expired.
 */
function daysLeft(tls: TlsInfo, at: Date): number {
  return Math.floor((tls.certificate.notAfter.getTime() - at.getTime()) / DAY_MS);
}

/**
 * A certificate's date as the server's and the client's lines show it: ISO 8601 in UTC to
 * the second, which is all a certificate holds (a certificate made at start-up has its
 * time's milliseconds cut off).
 *
 * @param date The date.
 * @returns `2027-11-30T08:30:49Z`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCertificateDate } from "./tls_lines.ts";
 *
 * assert.equal(formatCertificateDate(new Date("2027-11-30T08:30:49.870Z")), "2027-11-30T08:30:49Z");
 * ```
 */
export function formatCertificateDate(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}
