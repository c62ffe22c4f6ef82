/**
 * The defaults of echoprobe in one place: the flags, the help text and the
 * library all read them from here.
 *
 * @module
 */

/** Default values of the server and the client. */
export const DEFAULTS = {
  /** Address the server listens on: every IPv4 interface. */
  hostname: "0.0.0.0",
  /** TCP port of the server, and of the client when the host names none. */
  port: 3005,
  /** Bytes in one record. */
  recordSize: 250,
  /** Deadline of one record read (server) or of the connect and of the echo (client). */
  timeoutMs: 30_000,
  /** Length of the server's queue of connections not yet accepted. */
  backlog: 10,
  /** Connections the server holds at once. */
  maxConnections: 1024,
  /** How long a stopping server lets records in flight finish. */
  graceMs: 5_000,
  /** Probes the client sends. */
  count: 1,
  /** Pause between the client's probes. */
  intervalMs: 1_000,
  /** UDP server: answers per second to one source address (its token bucket's rate). */
  udpSourceRate: 1_000,
  /** UDP server: answers one source address may get at once (its token bucket's size). */
  udpSourceBurst: 1_000,
  /** UDP server: answers per second to all sources together. */
  udpGlobalRate: 10_000,
  /** UDP server: answers all sources together may get at once. */
  udpGlobalBurst: 10_000,
  /** UDP server: source addresses tracked at once (rate limit and logs); the oldest goes first. */
  udpMaxSources: 10_000,
  /** UDP server: how often the per-source summaries are logged. */
  udpLogIntervalMs: 10_000,
} as const;

/** The largest record size accepted: 64 MiB. */
export const MAX_RECORD_SIZE = 64 * 1024 * 1024;

/** The largest payload of one probe: 16 MiB. */
export const MAX_PROBE_SIZE = 16 * 1024 * 1024;
