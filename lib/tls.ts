/**
 * The probe's TLS handshake over its TCP connection: verify as curl does (chain and
 * name), or less when asked and then say so, pin a fingerprint, read the server's
 * certificate, and the `tls` error of a handshake that failed, with its reason.
 *
 * Loaded by the prober on first use (node:tls costs start-up time).
 *
 * @module
 */

import { X509Certificate } from "node:crypto";
import { Duplex } from "node:stream";
import tls from "node:tls";
import type { ProbeConnection } from "./connect.ts";
import { parseSha256 } from "./certificate.ts";
import { pem, pemBlocks } from "./der.ts";
import { ProbeError, type ProbeErrorDetails, type TlsFailure, ValueError } from "./errors.ts";
import { literalFamily } from "./resolve.ts";
import type { PeerCertificate, TlsCheck, TlsInfo, TlsOptions } from "./tls_options.ts";
import { TcpDuplex, TlsStream } from "./tls_stream.ts";
import { formatDuration } from "./units.ts";

/** A TLS session over a probe's connection, and what its handshake gave. */
export interface TlsSession {
  /** Read and written in place of the TCP connection. */
  stream: TlsStream;
  /** The version, the checks made, the server's certificate. */
  info: TlsInfo;
}

/** One secure context per options object: the CA certificates are parsed once. */
const contexts = new WeakMap<TlsOptions, tls.SecureContext>();
/** Whether node:tls has been through its first use in this process. */
let warm = false;

/**
 * Makes the options' secure context ready, and puts node:tls through its first use,
 * before a probe's clock starts: the first `tls.connect()` of a process took 36-48 ms
 * here (later ones 0.3-0.9 ms), which would otherwise land in the first probe's tls
 * phase. The session it opens goes nowhere and is dropped at once.
 *
 * @param options The probe's TLS options.
 * @throws {ValueError} As {@linkcode prepareTls}.
 */
export function warmUp(options: TlsOptions): void {
  const secureContext = prepareTls(options);
  if (warm) return;
  warm = true;
  const nowhere = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  tls.connect({ socket: nowhere, secureContext, rejectUnauthorized: false }).destroy();
  nowhere.destroy();
}

/** What {@linkcode tlsHandshake} needs besides the connection. */
export interface HandshakeOptions {
  /** The probe's target as given: the name sent and checked by default. */
  hostname: string;
  /** What to check. */
  tls: TlsOptions;
  /** The deadline's length, for the error of a handshake it cut short. */
  timeoutMs: number;
  /** The probe's sequence number, for errors. */
  seq: number;
  /** The probe's signal (Ctrl-C, a series' deadline): its reason is thrown when it aborted. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs the TLS handshake over a connected probe connection, under its deadline,
 * and checks the server as the options ask.
 *
 * @param connection The probe's connection, connected; closed here when the handshake fails.
 * @param handshake The target, the TLS options, the timeout, the sequence number.
 * @returns The session to read and write, and what the handshake gave.
 * @throws {ProbeError} Code `tls` (with `reason`), or `timeout` (phase `tls`) when the
 *   deadline closed the connection first.
 * @throws The reason of `handshake.signal` when it aborted.
 */
export async function tlsHandshake(
  connection: ProbeConnection,
  handshake: HandshakeOptions,
): Promise<TlsSession> {
  const { hostname, tls: options, timeoutMs, seq, signal } = handshake;
  const { conn, deadline } = connection;
  const name = options.serverName ?? hostname;
  const checks: TlsCheck[] = [];
  if (!options.insecureSkipVerify || options.caCerts) checks.push("chain");
  if (!options.insecureSkipVerify) checks.push("name");
  if (options.pinSha256 !== undefined) checks.push("pin");
  const duplex = new TcpDuplex(conn);
  // Verification is decided below, from `authorized` and the certificate, so that a
  // refused certificate can be told apart (expired, unknown issuer, name, pin).
  const socket = tls.connect({
    socket: duplex,
    secureContext: prepareTls(options),
    rejectUnauthorized: false,
    host: name,
    ...(literalFamily(name) === undefined ? { servername: name } : {}),
    ...(checks.includes("name") ? {} : { checkServerIdentity: () => undefined }),
  });
  const stream = new TlsStream(socket, duplex, conn);
  const where = connection.where(seq); // the address, port and local address, for errors
  try {
    await secured(socket);
  } catch (error) {
    connection.close();
    signal?.throwIfAborted();
    if (deadline.signal.aborted) {
      throw new ProbeError(
        "timeout",
        `Timeout after ${formatDuration(timeoutMs)} in the TLS handshake`,
        { ...where, phase: "tls" },
        { cause: error },
      );
    }
    const failure = stream.error ?? error as Error;
    throw tlsError("handshake", `TLS handshake failed: ${failure.message}`, where, failure);
  }
  const certificate = peerCertificate(socket);
  const problem = verify(socket, certificate, checks, name, options);
  if (problem) {
    socket.destroy();
    connection.close();
    throw tlsError(problem.reason, problem.message, where);
  }
  deadline.renew();
  return {
    stream,
    info: { version: socket.getProtocol() ?? "unknown", verified: checks, certificate },
  };
}

/**
 * Makes the secure context of TLS options ready: their CA certificates parsed, once
 * per options object (every probe with the same options shares it).
 *
 * @param options The probe's TLS options.
 * @returns The context the handshakes use.
 * @throws {ValueError} When the runtime refuses a CA certificate.
 */
export function prepareTls(options: TlsOptions): tls.SecureContext {
  let context = contexts.get(options);
  if (!context) {
    // Each certificate is read here first: node:tls in Deno 2.9 skips one it cannot
    // read with a console warning, and throws from a later handshake's event handler.
    const ca = options.caCerts?.flatMap(caCertificates);
    context = tls.createSecureContext(ca ? { ca } : {});
    contexts.set(options, context);
  }
  return context;
}

/** The certificates of PEM text, each checked. */
function caCertificates(text: string): string[] {
  let blocks: Uint8Array[] = [];
  try {
    blocks = pemBlocks(text, "CERTIFICATE");
  } catch (error) {
    if (!(error instanceof DOMException)) throw error; // atob(): not base64, as none found
  }
  if (blocks.length === 0) {
    throw new ValueError(text.slice(0, 40), "PEM certificates", "CA certificates");
  }
  return blocks.map((der, i) => {
    try {
      new X509Certificate(der);
    } catch (error) {
      throw new ValueError(
        `certificate ${i + 1}: ${(error as Error).message}`,
        "PEM certificates",
        "CA certificates",
      );
    }
    return pem("CERTIFICATE", der);
  });
}

/** Settles when the handshake is done, or fails with what ended it. */
function secured(socket: tls.TLSSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      socket.off("secureConnect", onSecure);
      socket.off("error", done);
      socket.off("close", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onSecure = () => done();
    const onClose = () => done(new Error("Connection closed during the handshake"));
    socket.on("secureConnect", onSecure);
    socket.on("error", done);
    socket.on("close", onClose);
  });
}

/** The server's leaf certificate, as node:tls shows it. */
function peerCertificate(socket: tls.TLSSocket): PeerCertificate {
  const peer = socket.getPeerCertificate();
  const dn = (fields: Record<string, unknown> | undefined) =>
    Object.entries(fields ?? {}).map(([key, value]) => `${key}=${value}`).join(", ");
  return {
    subject: dn(peer.subject as unknown as Record<string, unknown>),
    issuer: dn(peer.issuer as unknown as Record<string, unknown>),
    notBefore: new Date(peer.valid_from),
    notAfter: new Date(peer.valid_to),
    sha256: peer.fingerprint256,
  };
}

/** What is wrong with the server's certificate, among the checks asked for. */
function verify(
  socket: tls.TLSSocket,
  certificate: PeerCertificate,
  checks: TlsCheck[],
  name: string,
  options: TlsOptions,
): { reason: TlsFailure; message: string } | undefined {
  if (checks.includes("chain") && !socket.authorized) {
    const altNames = socket.getPeerCertificate().subjectaltname;
    return chainProblem(String(socket.authorizationError), certificate, name, altNames);
  }
  if (options.pinSha256 !== undefined && certificate.sha256 !== parseSha256(options.pinSha256)) {
    return {
      reason: "pin-mismatch",
      message: `Certificate sha256 "${certificate.sha256}" is not the pinned one`,
    };
  }
  return undefined;
}

/**
 * Why a chain did not verify. Deno 2.9's node:tls reports an expired certificate as
 * UNABLE_TO_VERIFY_LEAF_SIGNATURE, so the dates are read from the certificate first
 * (as the verifier checks them first too).
 */
function chainProblem(
  code: string,
  certificate: PeerCertificate,
  name: string,
  altNames: string | undefined,
): { reason: TlsFailure; message: string } {
  const now = Date.now();
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    const names = altNames ? ` but for ${altNames}` : ` but for "${certificate.subject}"`;
    return { reason: "name-mismatch", message: `Certificate is not for "${name}"${names}` };
  }
  if (code === "CERT_HAS_EXPIRED" || certificate.notAfter.getTime() < now) {
    const days = Math.floor((now - certificate.notAfter.getTime()) / 86_400_000);
    return {
      reason: "expired",
      message: `Certificate expired on ${isoSeconds(certificate.notAfter)}, ${days} days ago`,
    };
  }
  if (code === "CERT_NOT_YET_VALID" || certificate.notBefore.getTime() > now) {
    return {
      reason: "not-yet-valid",
      message: `Certificate is not valid before ${isoSeconds(certificate.notBefore)}`,
    };
  }
  if (code === "DEPTH_ZERO_SELF_SIGNED_CERT") {
    return {
      reason: "unknown-issuer",
      message: `Certificate is self-signed ("${certificate.subject}") and not trusted`,
    };
  }
  if (
    code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" || code === "SELF_SIGNED_CERT_IN_CHAIN" ||
    code === "UNABLE_TO_GET_ISSUER_CERT" || code === "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"
  ) {
    return {
      reason: "unknown-issuer",
      message: `Certificate issuer "${certificate.issuer}" is not trusted`,
    };
  }
  return { reason: "handshake", message: `Certificate refused: ${code}` };
}

function tlsError(
  reason: TlsFailure,
  message: string,
  where: ProbeErrorDetails,
  cause?: unknown,
): ProbeError {
  return new ProbeError("tls", message, { ...where, phase: "tls", reason }, { cause });
}

/** A certificate's date as ISO 8601 to the second: a certificate holds no finer time. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}
