/**
 * The datagram of a UDP probe: a 20-byte header, then the payload.
 *
 * ```
 * offset  bytes  field
 *      0      4  magic "EPU1" (0x45 0x50 0x55 0x31)
 *      4      4  run: a random number per prober, so replies to another run are told apart
 *      8      4  sequence number, from 1 (unsigned, big-endian)
 *     12      8  send time: microseconds since the Unix epoch (unsigned, big-endian)
 *     20      -  payload: the --payload pattern of this sequence number, to the datagram's size
 * ```
 *
 * The server echoes the datagram as it came; the prober compares every byte of the
 * reply with what it sent.
 *
 * @module
 */

import { ValueError } from "./errors.ts";
import { fillPayload, type PayloadSpec } from "./payload.ts";

/** Bytes of the header, before the payload. */
export const UDP_HEADER_BYTES = 20;

/** The largest UDP payload over IPv4: 65,535 bytes less the IP and UDP headers. */
export const MAX_DATAGRAM_BYTES = 65_507;

const MAGIC = [0x45, 0x50, 0x55, 0x31] as const; // "EPU1"
const TWO_32 = 2 ** 32;

/**
 * Checks the size of a probe datagram: room for the header, and no more than UDP carries.
 *
 * @param size Bytes in the datagram, header included.
 * @throws {ValueError} When it is not from {@linkcode UDP_HEADER_BYTES} to
 *   {@linkcode MAX_DATAGRAM_BYTES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkDatagramSize } from "./udp_datagram.ts";
 *
 * checkDatagramSize(250);
 * assert.throws(() => checkDatagramSize(10), {
 *   message: 'Invalid size "10": expected a datagram size from 20 to 65507 bytes',
 * });
 * ```
 */
export function checkDatagramSize(size: number): void {
  if (!(size >= UDP_HEADER_BYTES && size <= MAX_DATAGRAM_BYTES)) {
    throw new ValueError(
      String(size),
      `a datagram size from ${UDP_HEADER_BYTES} to ${MAX_DATAGRAM_BYTES} bytes`,
      "size",
    );
  }
}

/** The fields of a probe's header. */
export interface DatagramHeader {
  /** The prober's run number (any unsigned 32-bit number). */
  run: number;
  /** The sequence number (1 to 2^32 - 1). */
  seq: number;
  /** The send time, in whole microseconds since the Unix epoch. */
  sentUs: number;
}

/**
 * Writes a probe datagram: the header, then the payload of `seq` to the end of `datagram`.
 *
 * @param datagram The bytes to fill, at least {@linkcode UDP_HEADER_BYTES} long.
 * @param header The run, sequence number and send time.
 * @param payload What the payload is.
 * @param seed The seed of a `random` payload.
 * @returns `datagram`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fillDatagram, readHeader } from "./udp_datagram.ts";
 *
 * const datagram = fillDatagram(new Uint8Array(24), { run: 7, seq: 3, sentUs: 1e15 }, {
 *   kind: "zeros",
 * }, 1);
 * assert.deepEqual([...datagram.subarray(0, 4)], [0x45, 0x50, 0x55, 0x31]);
 * assert.deepEqual(readHeader(datagram), { run: 7, seq: 3, sentUs: 1e15 });
 * assert.deepEqual([...datagram.subarray(20)], [0, 0, 0, 0]);
 * ```
 */
export function fillDatagram(
  datagram: Uint8Array,
  header: DatagramHeader,
  payload: PayloadSpec,
  seed: number,
): Uint8Array {
  writeHeader(datagram, header);
  fillPayload(datagram.subarray(UDP_HEADER_BYTES), payload, seed, header.seq);
  return datagram;
}

/**
 * Writes the 20-byte header at the start of `datagram`.
 *
 * @param datagram At least {@linkcode UDP_HEADER_BYTES} long.
 * @param header The fields.
 */
export function writeHeader(datagram: Uint8Array, header: DatagramHeader): void {
  datagram.set(MAGIC, 0);
  writeUint32(datagram, 4, header.run);
  writeUint32(datagram, 8, header.seq);
  writeUint32(datagram, 12, Math.floor(header.sentUs / TWO_32));
  writeUint32(datagram, 16, header.sentUs % TWO_32);
}

/**
 * Reads the header of a datagram, if it is one of ours.
 *
 * @param datagram The bytes received.
 * @returns The fields, or `undefined` when the datagram is shorter than a header or
 *   does not start with the magic.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readHeader } from "./udp_datagram.ts";
 *
 * assert.equal(readHeader(new TextEncoder().encode("hello, not a probe at all")), undefined);
 * ```
 */
export function readHeader(datagram: Uint8Array): DatagramHeader | undefined {
  if (datagram.length < UDP_HEADER_BYTES) return undefined;
  for (let i = 0; i < MAGIC.length; i++) if (datagram[i] !== MAGIC[i]) return undefined;
  return {
    run: readUint32(datagram, 4),
    seq: readUint32(datagram, 8),
    sentUs: readUint32(datagram, 12) * TWO_32 + readUint32(datagram, 16),
  };
}

function writeUint32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = value >>> 16;
  bytes[offset + 2] = value >>> 8;
  bytes[offset + 3] = value;
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) |
    bytes[offset + 3]!) >>> 0;
}
