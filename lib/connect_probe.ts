/**
 * Connect-only probes (`connectOnly`), tcping's job: time the connect (and the TLS
 * handshake, with `tls`), send nothing, close. Any TCP service answers them: a
 * database, a web server, no echo needed. The prober runs them with the same
 * resolve, connect, deadline, series and load plumbing as echo probes; this module
 * ends them.
 *
 * @example A port check against a listener that never echoes
 * ```ts
 * import assert from "node:assert/strict";
 * import { probe } from "./probe.ts";
 *
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = listener.accept().then((conn) => conn.close());
 * const result = await probe({ hostname: "127.0.0.1", port: listener.addr.port, connectOnly: true });
 * await accepted;
 * assert.equal(result.connectOnly, true);
 * assert.equal(result.bytes, 0);
 * assert.equal(result.timeMs, result.connectMs);
 * ```
 *
 * @module
 */

import type { ProbeConnection } from "./connect.ts";
import type { ProbeResult, ProbeSettings } from "./probe_options.ts";
import type { TlsSession } from "./tls.ts";
import type { TlsOptions } from "./tls_options.ts";

/** The TLS code, loaded by {@linkcode loadTls}. */
let tlsModule: typeof import("./tls.ts") | undefined;

/**
 * Loads the TLS code (node:tls costs start-up time, so only probes over TLS load it)
 * and warms it up for these options: a prober calls it before a probe's clock starts.
 *
 * @param tls The probe's TLS options.
 * @throws {ValueError} When the runtime refuses a CA certificate.
 */
export async function loadTls(tls: TlsOptions): Promise<void> {
  tlsModule ??= await import("./tls.ts");
  tlsModule.warmUp(tls);
}

/** When and where a probe connected. */
export interface Connected {
  /** The probe's sequence number. */
  seq: number;
  /** The IP address connected to. */
  address: string;
  /** `performance.now()` at the start of the connect. */
  started: number;
  /** `performance.now()` when connected. */
  connected: number;
}

/** What follows a connect: a TLS session, or a connect-only probe's result. */
export interface Opened {
  /** The TLS session over the connection, with `tls`. */
  session: TlsSession | undefined;
  /** `performance.now()` at the end of the handshake (when connected, without TLS). */
  secured: number;
  /** Connect-only probes: the result; the connection is closed. */
  result?: ProbeResult;
}

/**
 * What follows a probe's connect: the TLS handshake when `settings.tls` asks for it
 * ({@linkcode loadTls} first), and the end of a connect-only probe: close_notify over
 * TLS, the connection closed, the result (`resolveMs` and `totalMs` are the prober's
 * to fill in).
 *
 * @param connection The probe's connection, connected.
 * @param settings The probe's settings.
 * @param at When and where it connected.
 * @returns The session and the end of the handshake; and the result of a connect-only probe.
 * @throws {ProbeError} As `tlsHandshake()` (lib/tls.ts); the connection is then closed.
 */
export async function opening(
  connection: ProbeConnection,
  settings: ProbeSettings,
  at: Connected,
): Promise<Opened> {
  const { hostname, tls, timeoutMs, signal } = settings;
  const session = tls &&
    await tlsModule!.tlsHandshake(connection, { hostname, tls, timeoutMs, seq: at.seq, signal });
  const secured = session ? performance.now() : at.connected;
  if (!settings.connectOnly) return { session, secured };
  const { localAddr } = connection.conn;
  try {
    await session?.stream.finish();
  } finally {
    connection.close();
  }
  const connectMs = at.connected - at.started;
  const tlsMs = secured - at.connected;
  const result: ProbeResult = {
    seq: at.seq,
    hostname,
    address: at.address,
    port: settings.port,
    localAddress: localAddr.hostname,
    localPort: localAddr.port,
    bytes: 0,
    reused: false,
    resolveMs: 0,
    connectMs,
    firstByteMs: 0,
    echoMs: 0,
    timeMs: connectMs + tlsMs,
    totalMs: 0,
    finishedAt: secured,
    connectOnly: true,
    ...(session ? { tlsMs, tls: session.info } : {}),
  };
  return { session, secured, result };
}
