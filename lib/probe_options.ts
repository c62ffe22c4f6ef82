/**
 * What a probe takes and gives: its options with their defaults, and its result.
 *
 * @module
 */

import type { DeadlineTimer } from "./deadline.ts";
import { DEFAULTS } from "./defaults.ts";
import type { PayloadSpec } from "./payload.ts";
import { type Resolver, systemResolver } from "./resolve.ts";
import type { TlsInfo, TlsOptions } from "./tls_options.ts";

/** Options of `Prober` and `probe()`. */
export interface ProbeOptions {
  /** A name, a dotted IPv4 address or an IPv6 literal (no brackets). */
  hostname: string;
  /**
   * The server's port.
   * @default {3005}
   */
  port?: number;
  /**
   * Bytes to send and expect back per probe.
   * @default {250}
   */
  size?: number;
  /**
   * Deadline of a connect, and separately of each echo.
   * @default {30000}
   */
  timeoutMs?: number;
  /**
   * Keep one connection for many probes (then a probe measures the echo alone).
   * A reused connection that drops is reconnected once, and counted in `drops`.
   * @default {false}
   */
  reuse?: boolean;
  /** Resolve to this address family only. */
  family?: 4 | 6;
  /**
   * Resolve the name again before every probe, not only before the first.
   * @default {false}
   */
  resolveEach?: boolean;
  /**
   * What to send.
   * @default {{ kind: "random" }}
   */
  payload?: PayloadSpec;
  /**
   * Seed of the `random` payload.
   * @default {1}
   */
  seed?: number;
  /**
   * Turns names into addresses.
   * @default {systemResolver}
   */
  resolver?: Resolver;
  /** Aborts every probe; a probe in progress rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Speak TLS over each connection, checking the server as these options say (lib/tls.ts). */
  tls?: TlsOptions;
  /**
   * Only connect (and, with `tls`, run the handshake), then close: any TCP service
   * answers such a probe (lib/connect_probe.ts). `reuse`, `size` and `payload` do nothing.
   * @default {false}
   */
  connectOnly?: boolean;
}

/** A successful probe. */
export interface ProbeResult {
  /** The sequence number. */
  seq: number;
  /** The host as given. */
  hostname: string;
  /** The IP address the probe connected to. */
  address: string;
  /** With `resolveEach`: the address of the probe before, when it changed. */
  previousAddress?: string;
  /** The server's port. */
  port: number;
  /** The local address of the connection. */
  localAddress: string;
  /** The local port of the connection, to find it in a packet capture. */
  localPort: number;
  /** Bytes sent, and echoed back unchanged. */
  bytes: number;
  /** Whether the probe went over a connection kept from an earlier probe. */
  reused: boolean;
  /** Milliseconds to resolve the name (0 for an IP literal or a kept address). */
  resolveMs: number;
  /** Milliseconds from connect to established (0 on a reused connection). */
  connectMs: number;
  /** Milliseconds from the first byte sent to the first byte echoed. */
  firstByteMs: number;
  /** Milliseconds from the first byte sent to the last byte echoed. */
  echoMs: number;
  /** `connectMs + echoMs`: what the ping-style line shows. */
  timeMs: number;
  /** `resolveMs + connectMs + echoMs`. */
  totalMs: number;
  /** `performance.now()` when the last byte came back. */
  finishedAt: number;
  /**
   * TLS probes: milliseconds of the handshake, from the connect to its end (0 on a
   * reused connection); `timeMs` is then `connectMs + tlsMs + echoMs`.
   */
  tlsMs?: number;
  /** TLS probes: the version, what was checked, the server's certificate. */
  tls?: TlsInfo;
  /** Connect-only probes: nothing was sent (`bytes`, `firstByteMs`, `echoMs` are 0). */
  connectOnly?: true;
}

/** What probers can share: load mode runs many with one timer. */
export interface ProberShared {
  /** Watches the deadlines of connects and echoes; its `timeoutMs` is the probes' timeout. */
  timer: DeadlineTimer;
}

/** {@linkcode ProbeOptions} with every default applied. */
export type ProbeSettings =
  & Required<Omit<ProbeOptions, "family" | "signal" | "tls">>
  & Pick<ProbeOptions, "family" | "signal" | "tls">;

/**
 * The options of a probe with the defaults applied: the one place they are. Callers
 * that show a probe's settings (the port, the size) read them here.
 *
 * @param options The options given.
 * @returns Every option, given or default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { probeSettings } from "./probe.ts";
 *
 * const settings = probeSettings({ hostname: "127.0.0.1", size: 1024 });
 * assert.deepEqual([settings.port, settings.size, settings.timeoutMs], [3005, 1024, 30_000]);
 * ```
 */
export function probeSettings(options: ProbeOptions): ProbeSettings {
  return {
    ...options,
    port: options.port ?? DEFAULTS.port,
    size: options.size ?? DEFAULTS.recordSize,
    timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    reuse: options.reuse ?? false,
    resolveEach: options.resolveEach ?? false,
    payload: options.payload ?? { kind: "random" },
    seed: options.seed ?? 1,
    resolver: options.resolver ?? systemResolver,
    connectOnly: options.connectOnly ?? false,
  };
}
