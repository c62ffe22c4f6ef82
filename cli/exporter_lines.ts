/**
 * What `echoprobe exporter` prints on stdout: the ready line and the summary, as
 * text or JSON lines. Pure.
 *
 * @module
 */

import { formatHostPort } from "../lib/address.ts";
import type { ExporterCounts } from "./exporter_metrics.ts";

/**
 * The line an exporter prints once it listens: scripts wait for it.
 *
 * @param addr The HTTP address, with the real port.
 * @param json A JSON object instead of text.
 * @returns `echoprobe exporter listening on HOST:PORT`, or the JSON event.
 */
export function formatExporterListening(addr: Deno.NetAddr, json: boolean): string {
  if (json) return JSON.stringify({ event: "listening", host: addr.hostname, port: addr.port });
  return `echoprobe exporter listening on ${formatHostPort(addr.hostname, addr.port)}`;
}

/**
 * The exporter's last line: what it did.
 *
 * @param counts Its counts.
 * @param json A JSON object instead of text.
 * @returns `echoprobe exporter stopped: success=N failure=N invalid=N busy=N`, or JSON.
 */
export function formatExporterSummary(counts: ExporterCounts, json: boolean): string {
  const { probes: { success, failure }, rejected: { invalid, busy } } = counts;
  if (json) return JSON.stringify({ event: "summary", success, failure, invalid, busy });
  return `echoprobe exporter stopped: success=${success} failure=${failure} invalid=${invalid} busy=${busy}`;
}
