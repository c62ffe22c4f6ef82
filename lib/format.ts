/**
 * Pure formatters: results and events to one line of text or one JSON object.
 * The CLI writes what they return; nothing here prints.
 *
 * @module
 */

import { formatHostPort } from "./address.ts";
import type { ProbeError } from "./errors.ts";
import type { ProbeResult } from "./probe.ts";
import type { ConnectionInfo, ServerSummary } from "./server.ts";

/**
 * Rounds milliseconds to microseconds, for JSON.
 *
 * @param ms Milliseconds.
 * @returns `ms` with at most three decimals.
 *
 * @example
 * ```ts
 * import { roundMs } from "./format.ts";
 *
 * const ms = roundMs(0.123456); // 0.123
 * ```
 */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Formats milliseconds for people, with three significant digits as ping does.
 *
 * @param ms Milliseconds.
 * @returns `0.213`, `1.25`, `12.5`, `125`.
 *
 * @example
 * ```ts
 * import { formatMs } from "./format.ts";
 *
 * const text = formatMs(0.2134); // "0.213"
 * ```
 */
export function formatMs(ms: number): string {
  return ms.toFixed(ms < 1 ? 3 : ms < 10 ? 2 : ms < 100 ? 1 : 0);
}

/**
 * The line a server prints once it listens: scripts wait for it.
 *
 * @param addr The listening address.
 * @param json A JSON object instead of text.
 * @returns `echoprobe server listening on HOST:PORT`, or the JSON event.
 *
 * @example
 * ```ts
 * import { formatListening } from "./format.ts";
 *
 * const line = formatListening({ transport: "tcp", hostname: "0.0.0.0", port: 3005 }, false);
 * // "echoprobe server listening on 0.0.0.0:3005"
 * ```
 */
export function formatListening(addr: Deno.NetAddr, json: boolean): string {
  if (json) return JSON.stringify({ event: "listening", host: addr.hostname, port: addr.port });
  return `echoprobe server listening on ${formatHostPort(addr.hostname, addr.port)}`;
}

/**
 * The log line of a closed connection.
 *
 * @param info What the connection did.
 * @param json A JSON object instead of text.
 * @returns `closed PEER records=N bytes=N duration=MSms reason=R`, or the JSON event.
 *
 * @example
 * ```ts
 * import { formatClose } from "./format.ts";
 *
 * const line = formatClose({
 *   remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 41000 },
 *   records: 4,
 *   bytes: 1000,
 *   durationMs: 1.5,
 *   reason: "eof",
 * }, false);
 * // "closed 127.0.0.1:41000 records=4 bytes=1000 duration=1.50ms reason=eof"
 * ```
 */
export function formatClose(info: ConnectionInfo, json: boolean): string {
  const peer = formatHostPort(info.remoteAddr.hostname, info.remoteAddr.port);
  if (json) {
    return JSON.stringify({
      event: "close",
      peer,
      records: info.records,
      bytes: info.bytes,
      durationMs: roundMs(info.durationMs),
      reason: info.reason,
      ...(info.error ? { error: info.error.message } : {}),
    });
  }
  const error = info.error ? ` error=${JSON.stringify(info.error.message)}` : "";
  return `closed ${peer} records=${info.records} bytes=${info.bytes} duration=${
    formatMs(info.durationMs)
  }ms reason=${info.reason}${error}`;
}

/**
 * The server's last line: its totals.
 *
 * @param summary The totals.
 * @param json A JSON object instead of text.
 * @returns `echoprobe server stopped: connections=N records=N bytes=N`, or the JSON event.
 *
 * @example
 * ```ts
 * import { formatServerSummary } from "./format.ts";
 *
 * const line = formatServerSummary({ connections: 1, records: 2, bytes: 500 }, true);
 * // {"event":"summary","connections":1,"records":2,"bytes":500}
 * ```
 */
export function formatServerSummary(summary: ServerSummary, json: boolean): string {
  const { connections, records, bytes } = summary;
  if (json) return JSON.stringify({ event: "summary", connections, records, bytes });
  return `echoprobe server stopped: connections=${connections} records=${records} bytes=${bytes}`;
}

/**
 * The line of a successful probe, ping style.
 *
 * @param result The probe's result.
 * @param json A JSON object instead of text.
 * @returns `250 bytes from 127.0.0.1:3005: seq=1 time=0.213 ms`, or the JSON object.
 *
 * @example
 * ```ts
 * import { formatProbe } from "./format.ts";
 *
 * const line = formatProbe({
 *   seq: 1,
 *   hostname: "localhost",
 *   address: "127.0.0.1",
 *   port: 3005,
 *   localAddress: "127.0.0.1",
 *   localPort: 41000,
 *   bytes: 250,
 *   resolveMs: 0.1,
 *   connectMs: 0.1,
 *   echoMs: 0.113,
 *   timeMs: 0.213,
 * }, false);
 * // "250 bytes from 127.0.0.1:3005: seq=1 time=0.213 ms"
 * ```
 */
export function formatProbe(result: ProbeResult, json: boolean): string {
  if (json) {
    return JSON.stringify({
      seq: result.seq,
      ok: true,
      host: result.hostname,
      address: result.address,
      port: result.port,
      local: formatHostPort(result.localAddress, result.localPort),
      bytes: result.bytes,
      resolveMs: roundMs(result.resolveMs),
      connectMs: roundMs(result.connectMs),
      echoMs: roundMs(result.echoMs),
      timeMs: roundMs(result.timeMs),
    });
  }
  return `${result.bytes} bytes from ${
    formatHostPort(result.address, result.port)
  }: seq=${result.seq} time=${formatMs(result.timeMs)} ms`;
}

/**
 * The line of a failed probe.
 *
 * @param error Why the probe failed.
 * @param hostname The host as given.
 * @param json A JSON object instead of text.
 * @returns `seq=2 connection refused`, or the JSON object with `error.code`.
 *
 * @example
 * ```ts
 * import { ProbeError } from "./errors.ts";
 * import { formatProbeFailure } from "./format.ts";
 *
 * const error = new ProbeError("refused", "Connection refused", { seq: 2 });
 * const line = formatProbeFailure(error, "localhost", false); // "seq=2 connection refused"
 * ```
 */
export function formatProbeFailure(error: ProbeError, hostname: string, json: boolean): string {
  if (json) {
    const { seq, ...details } = error.details;
    return JSON.stringify({
      seq,
      ok: false,
      host: hostname,
      error: { code: error.code, message: error.message, ...details },
    });
  }
  const message = error.message.charAt(0).toLowerCase() + error.message.slice(1);
  return `seq=${error.details.seq} ${message}`;
}
