/**
 * What a probe over TLS takes and gives: its TLS options, the checks it made and
 * the server's certificate. No TLS code here: `tls.ts` loads when a probe uses it.
 *
 * @module
 */

import { ValueError } from "./errors.ts";
import { literalFamily } from "./resolve.ts";

/** Options of a probe over TLS. */
export interface TlsOptions {
  /**
   * The name sent in the handshake (SNI) and checked against the certificate.
   * @default {the probe's hostname, when it is a name (an IP address is checked, not sent)}
   */
  serverName?: string;
  /**
   * Certificates to trust (PEM), in place of the runtime's root store, as curl's
   * `--cacert` does. Without them: Deno's bundled Mozilla roots, or the system's
   * with `DENO_TLS_CA_STORE=system`.
   */
  caCerts?: readonly string[];
  /**
   * Accept a certificate that does not verify: the name is not checked, and the
   * chain only against `caCerts` when they are given. The result says what was
   * checked (`TlsInfo.verified`).
   * @default {false}
   */
  insecureSkipVerify?: boolean;
  /**
   * The SHA-256 fingerprint the server's certificate must have (as `parseSha256()`
   * reads it), checked as well as the chain and the name, or alone with
   * `insecureSkipVerify`.
   */
  pinSha256?: string;
}

/**
 * What a TLS handshake checked: the chain up to a trusted certificate (and the
 * dates), the name, the pinned fingerprint.
 */
export type TlsCheck = "chain" | "name" | "pin";

/** The certificate a server showed. */
export interface PeerCertificate {
  /** Its subject, `CN=localhost`. */
  subject: string;
  /** Its issuer, `CN=Example CA`. */
  issuer: string;
  /** The start of its validity. */
  notBefore: Date;
  /** The end of its validity. */
  notAfter: Date;
  /** Its SHA-256 fingerprint, `3B:A9:...` as `openssl x509 -fingerprint -sha256` prints it. */
  sha256: string;
}

/** What a probe's TLS handshake gave. */
export interface TlsInfo {
  /** The protocol version: `TLSv1.3`, `TLSv1.2`. */
  version: string;
  /** What was checked and held; empty when nothing was (`insecureSkipVerify` alone). */
  verified: TlsCheck[];
  /** The server's certificate (the runtime shows the leaf only, not the rest of the chain). */
  certificate: PeerCertificate;
}

/**
 * Reads a name to send in the handshake (SNI): a DNS name, not an IP address (SNI
 * cannot carry one; a probe of an IP address checks the address without SNI).
 *
 * @param text The name.
 * @returns The name, as given.
 * @throws {ValueError} When it is an IP address or not a DNS name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseServerName } from "./tls_options.ts";
 *
 * assert.equal(parseServerName("db.internal"), "db.internal");
 * assert.throws(() => parseServerName("10.0.0.7"), { code: "invalid" });
 * ```
 */
export function parseServerName(text: string): string {
  const dnsName = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
  if (literalFamily(text) !== undefined || !dnsName.test(text)) {
    throw new ValueError(text, "a DNS name such as db.internal (not an IP address)", "name");
  }
  return text;
}
