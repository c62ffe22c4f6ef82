/**
 * Certificates for the TLS server: a self-signed one made in memory at start-up (as
 * `ncat --ssl` does), and the SHA-256 fingerprint a client pins.
 *
 * WebCrypto makes the key and the signature; the certificate around them is the
 * little DER of `der.ts`. A library such as `npm:@peculiar/x509` would bring eleven
 * packages (a dependency-injection container and a global `Reflect` polyfill among
 * them) for one fixed shape that tests check with openssl and the runtime's own
 * X.509 parser.
 *
 * @module
 */

import { parseAddress } from "./cidr.ts";
import {
  bitString,
  type Bytes,
  element,
  integer,
  objectId,
  octetString,
  pem,
  pemBlocks,
  sequence,
  set,
  time,
  utf8String,
} from "./der.ts";
import { ValueError } from "./errors.ts";

/** A certificate chain and its private key, both in PEM, as TLS servers take them. */
export interface CertifiedKey {
  /** The certificate chain, leaf first, in PEM. */
  cert: string;
  /** The private key of the leaf, in PEM (PKCS #8). */
  key: string;
}

/** A certificate made by {@linkcode selfSignedCertificate}. */
export interface SelfSignedCertificate extends CertifiedKey {
  /** SHA-256 of the certificate, as {@linkcode certificateSha256} gives it. */
  sha256: string;
  /** When it stops being valid. */
  notAfter: Date;
}

/** Options of {@linkcode selfSignedCertificate}. */
export interface SelfSignedOptions {
  /**
   * DNS names and IP literals it is valid for (subject alternative names).
   * @default {["localhost", "127.0.0.1", "::1"]}
   */
  names?: readonly string[];
  /**
   * Days it stays valid from now (it is valid from a day before, for clocks behind).
   * @default {365}
   */
  days?: number;
  /**
   * The subject's common name.
   * @default {"echoprobe"}
   */
  commonName?: string;
}

const DAY_MS = 86_400_000;
const ECDSA_WITH_SHA256 = sequence(objectId("1.2.840.10045.4.3.2"));

/**
 * Makes a self-signed certificate and its key in memory: ECDSA P-256, SHA-256,
 * valid for `names` (not a CA: it can only serve, as its own trust anchor or pinned).
 *
 * @param options Names, lifetime, common name; see {@linkcode SelfSignedOptions}.
 * @returns The certificate and key in PEM, its fingerprint and its end of validity.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { X509Certificate } from "node:crypto";
 * import { selfSignedCertificate } from "./certificate.ts";
 *
 * const made = await selfSignedCertificate({ names: ["localhost"], days: 30 });
 * const parsed = new X509Certificate(made.cert);
 * assert.equal(parsed.subjectAltName, "DNS:localhost");
 * assert.equal(parsed.fingerprint256, made.sha256);
 * assert.equal(new Date(parsed.validTo).getTime(), Math.floor(made.notAfter.getTime() / 1000) * 1000);
 * ```
 */
export async function selfSignedCertificate(
  options: SelfSignedOptions = {},
): Promise<SelfSignedCertificate> {
  const names = options.names ?? ["localhost", "127.0.0.1", "::1"];
  const now = Date.now();
  const notBefore = new Date(now - DAY_MS);
  const notAfter = new Date(now + (options.days ?? 365) * DAY_MS);
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const subject = sequence(set(sequence(
    objectId("2.5.4.3"),
    utf8String(options.commonName ?? "echoprobe"),
  )));
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, and never zero
  const tbs = sequence(
    element(0xa0, integer(Uint8Array.of(2))), // version 3
    integer(serial),
    ECDSA_WITH_SHA256,
    subject, // issuer: itself
    sequence(time(notBefore), time(notAfter)),
    subject,
    spki,
    element(0xa3, sequence(...extensions(names))),
  );
  // WebCrypto signs as r || s; X.509 wants SEQUENCE { INTEGER r, INTEGER s }.
  const raw = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keys.privateKey, tbs),
  );
  const signature = sequence(integer(raw.subarray(0, 32)), integer(raw.subarray(32)));
  const der = sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  return {
    cert: pem("CERTIFICATE", der),
    key: pem("PRIVATE KEY", pkcs8),
    sha256: await fingerprint(der),
    notAfter,
  };
}

/** A server certificate's extensions: not a CA, signing only, TLS server, its names. */
function extensions(names: readonly string[]): Uint8Array[] {
  const critical = element(0x01, Uint8Array.of(0xff));
  const alternativeNames = names.map((name) => {
    const address = parseAddress(name);
    // [7] iPAddress, or [2] dNSName
    return address ? element(0x87, address) : element(0x82, new TextEncoder().encode(name));
  });
  return [
    // basicConstraints: cA FALSE
    sequence(objectId("2.5.29.19"), critical, octetString(sequence())),
    // keyUsage: digitalSignature (one bit, seven unused)
    sequence(objectId("2.5.29.15"), critical, octetString(element(0x03, Uint8Array.of(7, 0x80)))),
    // extKeyUsage: serverAuth
    sequence(objectId("2.5.29.37"), octetString(sequence(objectId("1.3.6.1.5.5.7.3.1")))),
    // subjectAltName
    sequence(objectId("2.5.29.17"), octetString(sequence(...alternativeNames))),
  ];
}

/**
 * The SHA-256 fingerprint of the first certificate in PEM text, as `openssl x509
 * -fingerprint -sha256` prints it: upper-case hex pairs joined by colons.
 *
 * @param certificate PEM text holding at least one certificate.
 * @returns `3B:A9:...:7C` (95 characters).
 * @throws {ValueError} When the text holds no certificate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { certificateSha256, selfSignedCertificate } from "./certificate.ts";
 *
 * const made = await selfSignedCertificate();
 * assert.equal(await certificateSha256(made.cert), made.sha256);
 * assert.match(made.sha256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
 * ```
 */
export async function certificateSha256(certificate: string): Promise<string> {
  const der = firstCertificate(certificate);
  return await fingerprint(der);
}

/**
 * Reads a SHA-256 fingerprint as users paste it: 64 hex digits, with or without
 * colons, in either case.
 *
 * @param text The fingerprint.
 * @returns It in the form {@linkcode certificateSha256} gives.
 * @throws {ValueError} When it is not 32 bytes of hex.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSha256 } from "./certificate.ts";
 *
 * const colons = parseSha256("ab".repeat(32));
 * assert.equal(colons, Array(32).fill("AB").join(":"));
 * assert.equal(parseSha256(colons.toLowerCase()), colons);
 * assert.throws(() => parseSha256("abcd"), { code: "invalid" });
 * ```
 */
export function parseSha256(text: string): string {
  const hex = text.replaceAll(":", "");
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new ValueError(text, "a SHA-256 fingerprint: 64 hex digits, colons allowed");
  }
  return hex.toUpperCase().match(/../g)!.join(":");
}

function firstCertificate(text: string): Bytes {
  let blocks: Bytes[] = [];
  try {
    blocks = pemBlocks(text, "CERTIFICATE");
  } catch (error) {
    // atob() refuses a block that is not base64
    if (!(error instanceof DOMException)) throw error;
  }
  if (blocks.length === 0) {
    throw new ValueError(
      text.length > 40 ? `${text.slice(0, 40)}...` : text,
      "a PEM certificate (-----BEGIN CERTIFICATE-----)",
      "certificate",
    );
  }
  return blocks[0]!;
}

async function fingerprint(der: Bytes): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0").toUpperCase()).join(":");
}
