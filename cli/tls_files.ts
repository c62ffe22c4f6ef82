/**
 * The CLI's side of TLS: PEM files read (or standard input, for the compiled binary,
 * which has no permission to read files), and the server's certificate made ready:
 * from `--tls-cert` and `--tls-key`, or self-signed at start-up.
 *
 * @module
 */

import { certificateSha256, selfSignedCertificate } from "../lib/certificate.ts";
import { parseAddress } from "../lib/cidr.ts";
import { pem, pemBlocks } from "../lib/der.ts";
import { ValueError } from "../lib/errors.ts";
import type { TlsOptions } from "../lib/tls_options.ts";
import { type ServerTls, serverTls } from "../lib/tls_server.ts";
import { UsageError } from "./exit.ts";

/** `--tls-cert` and `--tls-key` as given (both or neither). */
export interface TlsFiles {
  /** The certificate chain's file, `-` for standard input. */
  certFile: string;
  /** The private key's file, `-` for standard input. */
  keyFile: string;
}

/** The server's certificate, ready, and what its ready line says of it. */
export interface ServerCertificate {
  /** What `serve()` takes. */
  tls: ServerTls;
  /** The certificate's SHA-256 fingerprint, for clients to pin. */
  sha256: string;
  /** The end of its validity. */
  notAfter: Date;
  /** Made at start-up rather than read from files. */
  selfSigned: boolean;
}

/** Standard input, read once though several flags may name it. */
let stdinText: Promise<string> | undefined;

/**
 * Reads a PEM file a flag names; `-` reads standard input (once, shared by the flags
 * that name it).
 *
 * @param flag The flag's long name, for errors.
 * @param path The file, or `-`.
 * @param stdinHint How to give the file on standard input, for the permission error.
 * @returns The text.
 * @throws {UsageError} When it cannot be read: no such file, no read permission.
 */
export async function readPemFile(flag: string, path: string, stdinHint: string): Promise<string> {
  try {
    return path === "-"
      ? await (stdinText ??= new Response(Deno.stdin.readable).text())
      : await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) {
      throw new UsageError(
        `Reading "${path}" needs read permission: run with --allow-read, or give it on standard input: ${stdinHint}`,
      );
    }
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : (error as Error).message;
    throw new UsageError(`Cannot read --${flag} "${path}": ${reason}`);
  }
}

/**
 * The probes' TLS options with the CA certificates of `--ca`, read and made ready
 * for the handshakes (once: every probe shares them).
 *
 * @param path The file, or `-`.
 * @param tls The probes' TLS options.
 * @returns The options with `caCerts`.
 * @throws {UsageError} When it cannot be read, holds no certificate, or the runtime
 *   refuses one.
 */
export async function withCaFile(path: string, tls: TlsOptions): Promise<TlsOptions> {
  const text = await readPemFile("ca", path, `--ca - < "${path}"`);
  if (pemBlocks(text, "CERTIFICATE").length === 0) {
    throw new UsageError(`Invalid --ca "${path}": no PEM certificate in it`);
  }
  const options = { ...tls, caCerts: [text] };
  const { prepareTls } = await import("../lib/tls.ts");
  try {
    prepareTls(options);
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    throw new UsageError(`Invalid --ca "${path}": ${error.value}`);
  }
  return options;
}

/**
 * The server's certificate: read from the files given, or made in memory, valid for
 * localhost, the loopback addresses and the address listened on.
 *
 * @param files `--tls-cert` and `--tls-key`, or `undefined` for a self-signed one.
 * @param hostname The address listened on (`--host`), if given.
 * @returns The certificate, ready, with its fingerprint and end of validity.
 * @throws {UsageError} When a file cannot be read, or holds no certificate or key the
 *   runtime takes.
 */
export async function serverCertificate(
  files: TlsFiles | undefined,
  hostname: string | undefined,
): Promise<ServerCertificate> {
  if (!files) {
    const made = await selfSignedCertificate({ names: certificateNames(hostname) });
    return {
      tls: await serverTls(made),
      sha256: made.sha256,
      notAfter: made.notAfter,
      selfSigned: true,
    };
  }
  const hint = `--tls-cert - --tls-key - < <(cat "${files.certFile}" "${files.keyFile}")`;
  const certText = await readPemFile("tls-cert", files.certFile, hint);
  const keyText = files.keyFile === files.certFile
    ? certText
    : await readPemFile("tls-key", files.keyFile, hint);
  // Only the blocks each needs: one text on standard input may hold both.
  const certs = pemBlocks(certText, "CERTIFICATE");
  const keys = pemBlocks(keyText, "(?:RSA |EC )?PRIVATE KEY");
  if (certs.length === 0) {
    throw new UsageError(`Invalid --tls-cert "${files.certFile}": no PEM certificate in it`);
  }
  if (keys.length !== 1) {
    throw new UsageError(
      `Invalid --tls-key "${files.keyFile}": expected one PEM private key, found ${keys.length}`,
    );
  }
  const cert = certs.map((der) => pem("CERTIFICATE", der)).join("");
  const keyLabel = /-----BEGIN ((?:RSA |EC )?PRIVATE KEY)-----/.exec(keyText)![1]!;
  const key = pem(keyLabel, keys[0]!);
  let tls: ServerTls;
  try {
    tls = await serverTls({ cert, key });
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    throw new UsageError(
      `Cannot serve --tls-cert "${files.certFile}" with --tls-key "${files.keyFile}": ${error.value}`,
    );
  }
  const { X509Certificate } = await import("node:crypto");
  const leaf = pem("CERTIFICATE", certs[0]!);
  return {
    tls,
    sha256: await certificateSha256(leaf),
    notAfter: new Date(new X509Certificate(leaf).validTo),
    selfSigned: false,
  };
}

/** localhost, the loopback addresses, and the address listened on when it is one. */
function certificateNames(hostname: string | undefined): string[] {
  const names = ["localhost", "127.0.0.1", "::1"];
  if (hostname === undefined || names.includes(hostname)) return names;
  // 0.0.0.0 and :: are every address, which no certificate can name.
  const address = parseAddress(hostname);
  if (address === undefined || address.some((byte) => byte !== 0)) names.push(hostname);
  return names;
}
