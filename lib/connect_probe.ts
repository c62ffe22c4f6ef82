/**
 * A probe's new connection, opened: the connect to the first of the name's addresses
 * that answers (lib/connect.ts), the TLS handshake with `tls`, each timed apart; and
 * connect-only probes (`connectOnly`), tcping's job: time the connect (and the TLS
 * handshake), send nothing, close. Any TCP service answers them: a database, a web
 * server, no echo needed. The prober runs them with the same resolve, connect,
 * deadline, series and load plumbing as echo probes; this module ends them.
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

/** A probe's new connection, open: its phases, or a connect-only probe's result. */
export interface Opened {
  /** Milliseconds from the first connection attempt to the connection made. */
  connectMs: number;
  /** Milliseconds of the TLS handshake, from the connect to its end (0 without `tls`). */
  tlsMs: number;
  /** Connect-only probes: the result; the connection is closed. */
  result?: ProbeResult;
}

/**
 * Opens a probe's new connection: connects to the first of `addresses` that answers,
 * runs the TLS handshake when `settings.tls` asks for it ({@linkcode loadTls} first;
 * the session goes to `connection.session`), and ends a connect-only probe: close_notify
 * over TLS, the connection closed, the result (`resolveMs` and `totalMs` are the
 * prober's to fill in).
 *
 * @param connection The probe's connection, not connected yet.
 * @param settings The probe's settings.
 * @param addresses The name's addresses, in the order to try them.
 * @param seq The probe's sequence number.
 * @returns The connect's and the handshake's times; and the result of a connect-only probe.
 * @throws {ProbeError} As `ProbeConnection.connect()` and `tlsHandshake()` (lib/tls.ts);
 *   the connection is then closed.
 * @throws The reason of `settings.signal` when it aborted.
 */
export async function openConnection(
  connection: ProbeConnection,
  settings: ProbeSettings,
  addresses: readonly string[],
  seq: number,
): Promise<Opened> {
  const { hostname, tls, timeoutMs, signal, attemptDelayMs } = settings;
  const started = performance.now();
  await connection.connect(addresses, attemptDelayMs, signal, seq);
  const connected = performance.now();
  const session = tls &&
    await tlsModule!.tlsHandshake(connection, { hostname, tls, timeoutMs, seq, signal });
  connection.session = session;
  const connectMs = connected - started;
  const secured = session ? performance.now() : connected;
  const tlsMs = secured - connected;
  const opened: Opened = { connectMs, tlsMs };
  if (!settings.connectOnly) return opened;
  try {
    await session?.stream.finish();
  } finally {
    connection.close();
  }
  const result = openedResult(connection, settings, seq, opened, false, secured);
  result.connectOnly = true;
  return { ...opened, result };
}

/**
 * A probe's result as far as its connection goes: where it connected, the opening's
 * phases (0 on a kept connection) and the TLS session's details; nothing echoed yet
 * (`bytes`, `firstByteMs`, `echoMs` 0, `timeMs` the opening's), for the prober to add
 * the echo to. `resolveMs` and `totalMs` are the prober's to fill in.
 *
 * @param connection The probe's connection, connected (it may be closed since).
 * @param settings The probe's settings.
 * @param seq The probe's sequence number.
 * @param opened The phases of the connection's opening (0 for a kept connection's).
 * @param reused Whether the connection was kept from a probe before.
 * @param finishedAt `performance.now()` as the probe ended: the caller's clock read (one
 *   fewer per probe in load mode).
 * @returns The result.
 */
export function openedResult(
  connection: ProbeConnection,
  settings: ProbeSettings,
  seq: number,
  opened: Opened,
  reused: boolean,
  finishedAt: number,
): ProbeResult {
  const { connectMs, tlsMs } = opened;
  const { localAddr } = connection.conn;
  const result: ProbeResult = {
    seq,
    hostname: settings.hostname,
    address: connection.address,
    port: settings.port,
    localAddress: localAddr.hostname,
    localPort: localAddr.port,
    bytes: 0,
    reused,
    resolveMs: 0,
    connectMs,
    firstByteMs: 0,
    echoMs: 0,
    timeMs: connectMs + tlsMs,
    totalMs: 0,
    finishedAt,
  };
  if (!reused) result.attempts = connection.attempts;
  const { session } = connection;
  if (session) {
    result.tlsMs = tlsMs;
    result.tls = session.info;
  }
  return result;
}
