/**
 * The server's side of TLS: a certificate and key made ready once, and a TLS
 * session over each accepted connection. The server's listener, accept loop,
 * limits and deadlines stay those of plain TCP; the handshake runs with the
 * session's first read, under the first record's deadline.
 *
 * @module
 */

import type { CertifiedKey } from "./certificate.ts";
import { pemBlocks } from "./der.ts";
import { ValueError } from "./errors.ts";
import type { TlsStream } from "./tls_stream.ts";

/** A server certificate ready to serve: `serve({ tls })` takes it. */
export interface ServerTls {
  /**
   * Starts the server's side of a TLS session over an accepted connection; nothing
   * is read or written before the session's first `read()`.
   *
   * @param conn The accepted connection, which its owner still closes.
   * @returns The session, read and written in place of the connection.
   */
  accept(conn: Deno.TcpConn): TlsStream;
}

/**
 * Makes a certificate chain and its key ready for `serve({ tls })`. node:tls loads
 * here, on first use, not with the library.
 *
 * @param pem The certificate chain (leaf first) and the leaf's private key, in PEM.
 * @returns The certificate, ready.
 * @throws {ValueError} When the runtime refuses the certificate or the key (not PEM,
 *   or a key that is not the certificate's).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "node:tls";
 * import { selfSignedCertificate } from "./certificate.ts";
 * import { serve } from "./server.ts";
 * import { serverTls } from "./tls_server.ts";
 *
 * const certificate = await selfSignedCertificate();
 * await using server = serve({ hostname: "127.0.0.1", port: 0, tls: await serverTls(certificate) });
 * const echo = await new Promise<string>((resolve, reject) => {
 *   const socket = connect({ port: server.addr.port, host: "127.0.0.1", ca: certificate.cert });
 *   socket.on("error", reject);
 *   socket.on("data", (data) => {
 *     socket.destroy();
 *     resolve(data.toString());
 *   });
 *   socket.write("x".repeat(250));
 * });
 * assert.equal(echo.length, 250);
 * ```
 */
export async function serverTls(pem: CertifiedKey): Promise<ServerTls> {
  const [{ default: tls }, crypto, { Duplex }, { TcpDuplex, TlsStream }] = await Promise.all([
    import("node:tls"),
    import("node:crypto"),
    import("node:stream"),
    import("./tls_stream.ts"),
  ]);
  // Checked here: node:tls in Deno 2.9 takes any text and fails each handshake later.
  const refuse = (reason: string) =>
    new ValueError(
      reason,
      "a PEM certificate chain and the private key of its first certificate",
      "certificate or key",
    );
  let blocks: Uint8Array[];
  try {
    blocks = pemBlocks(pem.cert, "CERTIFICATE");
  } catch (error) {
    if (!(error instanceof DOMException)) throw error; // atob(): not base64
    throw refuse(`the certificate is not PEM: ${error.message}`);
  }
  if (blocks.length === 0) throw refuse("no certificate");
  const chain = blocks.map((der, i) => {
    try {
      return new crypto.X509Certificate(der);
    } catch (error) {
      throw refuse(`certificate ${i + 1}: ${(error as Error).message}`);
    }
  });
  let key;
  try {
    key = crypto.createPrivateKey(pem.key);
  } catch (error) {
    throw refuse(`the key: ${(error as Error).message}`);
  }
  if (!chain[0]!.checkPrivateKey(key)) throw refuse("the key is not the certificate's");
  const context = tls.createSecureContext({ cert: pem.cert, key: pem.key });
  // node:tls's first session of a process sets itself up (28-31 ms here): done now,
  // over a stream that goes nowhere, rather than in the first client's handshake.
  const nowhere = new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() });
  new tls.TLSSocket(nowhere, { isServer: true, secureContext: context }).destroy();
  nowhere.destroy();
  return {
    accept(conn: Deno.TcpConn): TlsStream {
      const duplex = new TcpDuplex(conn);
      const socket = new tls.TLSSocket(duplex, { isServer: true, secureContext: context });
      return new TlsStream(socket, duplex, conn);
    },
  };
}
