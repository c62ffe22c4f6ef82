/**
 * What a UDP probe takes and gives: its options, and the outcomes and notices a
 * `UdpProber` reports.
 *
 * @module
 */

import type { ProbeError } from "./errors.ts";
import type { ProbeOptions } from "./probe_options.ts";

/**
 * Options of a `UdpProber`: those of a TCP probe that apply to a datagram. `size` is
 * the whole datagram, its 20-byte header included (20 to 65,507 bytes).
 */
export type UdpProbeOptions = Pick<
  ProbeOptions,
  "hostname" | "port" | "size" | "timeoutMs" | "family" | "payload" | "seed" | "resolver"
>;

/** An address and port, as a reply came from. */
export interface UdpPeer {
  /** The IP address. */
  hostname: string;
  /** The UDP port. */
  port: number;
}

/** A probe answered: its first reply came back within the timeout, every byte as sent. */
export interface UdpReply {
  /** The sequence number. */
  seq: number;
  /** The host as given. */
  hostname: string;
  /** The IP address the probe was sent to. */
  address: string;
  /** The port it was sent to. */
  port: number;
  /** Where the reply came from (a server with many addresses may answer from another). */
  from: UdpPeer;
  /** The local address of the prober's socket. */
  localAddress: string;
  /** The local port, to find the probe in a packet capture. */
  localPort: number;
  /** Bytes in the datagram, header included. */
  bytes: number;
  /** Milliseconds from the send to the reply. */
  rttMs: number;
  /** Milliseconds from the scheduled send to the reply (load at a rate), else `rttMs`. */
  latencyMs: number;
  /** It came after the reply of a later probe. */
  reordered: boolean;
}

/** The outcome of one probe: its reply, or why it failed (`timeout`: lost). */
export type UdpOutcome =
  & { kind: "probe"; seq: number; timestamp: Date }
  & ({ ok: true; reply: UdpReply } | { ok: false; error: ProbeError });

/** A reply beyond the first of its probe (`duplicate`), or after its timeout (`late`). */
export interface UdpNotice {
  /** Which. */
  kind: "duplicate" | "late";
  /** The probe's sequence number. */
  seq: number;
  /** Milliseconds from the probe's send (as its header says) to this reply. */
  rttMs: number;
  /** Where it came from. */
  from: UdpPeer;
}

/** What a `UdpProber` reports, in the order it happens. */
export type UdpEvent = UdpOutcome | UdpNotice;
