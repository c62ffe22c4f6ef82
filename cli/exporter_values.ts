/**
 * The values of `/probe` query parameters that the library has no parser for: a switch
 * (`1|0`), the protocol, a datagram's size, an address family. Each throws a
 * `ValueError`; cli/exporter_params.ts names the parameter.
 *
 * @module
 */

import { ValueError } from "../lib/errors.ts";
import { MAX_DATAGRAM_BYTES, UDP_HEADER_BYTES } from "../lib/udp_datagram.ts";
import { parseByteSize } from "../lib/units.ts";

/**
 * Reads a switch.
 *
 * @param text `1` or `true`, `0` or `false`.
 * @returns The switch.
 * @throws {ValueError} For anything else.
 */
export function parseSwitch(text: string): boolean {
  if (text === "1" || text === "true") return true;
  if (text === "0" || text === "false") return false;
  throw new ValueError(text, "1 or 0 (true or false)");
}

/**
 * Reads a protocol.
 *
 * @param text `tcp` or `udp`.
 * @returns The protocol.
 * @throws {ValueError} For anything else.
 */
export function parseProto(text: string): "tcp" | "udp" {
  if (text === "tcp" || text === "udp") return text;
  throw new ValueError(text, "tcp or udp");
}

/**
 * Reads a datagram's size: its header, then the payload.
 *
 * @param text A byte size (`KiB` allowed) from the header's size to the largest datagram.
 * @returns Bytes.
 * @throws {ValueError} For anything else.
 */
export function parseDatagramSize(text: string): number {
  const expected =
    `${UDP_HEADER_BYTES} to ${MAX_DATAGRAM_BYTES} bytes with proto=udp (a ${UDP_HEADER_BYTES}-byte header, then the payload)`;
  let size: number;
  try {
    size = parseByteSize(text, MAX_DATAGRAM_BYTES);
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    throw new ValueError(text, expected);
  }
  if (size < UDP_HEADER_BYTES) throw new ValueError(text, expected);
  return size;
}

/**
 * Reads an address family.
 *
 * @param text `4` or `6`.
 * @returns The family.
 * @throws {ValueError} For anything else.
 */
export function parseFamily(text: string): 4 | 6 {
  if (text === "4") return 4;
  if (text === "6") return 6;
  throw new ValueError(text, "4 or 6");
}
