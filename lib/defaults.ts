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
  /** How long a stopping server lets connections echo what they were sent. */
  graceMs: 5_000,
  /** Bytes the server's connections may hold in grown buffers, all together: 256 MiB. */
  bufferBudget: 256 * 1024 * 1024,
  /** Probes the client sends. */
  count: 1,
  /** Pause between the client's probes. */
  intervalMs: 1_000,
  /**
   * From the start of one connection attempt to the start of the next, when a name has
   * several addresses (RFC 8305's Connection Attempt Delay).
   */
  attemptDelayMs: 250,
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

/**
 * The most bytes of buffers a load run holds for its loops together: each loop keeps
 * its payload and its echo (2 x the probe's size, and up to 64 KiB of room past the
 * echo). 256 MiB: 7 loops of 16 MiB probes, or 10,000 loops of 8 KiB ones.
 */
export const MAX_LOAD_BUFFER_BYTES = 256 * 1024 * 1024;

/**
 * Defaults of `echoprobe exporter`. Its port is beside the echo port and outside
 * Prometheus's exporter range (9100-9999, all of it allocated), so it runs next to
 * blackbox_exporter (9115).
 */
export const EXPORTER_DEFAULTS = {
  /** Address the exporter listens on: every IPv4 interface. */
  hostname: "0.0.0.0",
  /** HTTP port of the exporter. */
  port: 3006,
  /** Probe series run at once; more scrapes get 503. */
  maxConcurrent: 32,
  /** Taken off Prometheus's scrape timeout, so the answer arrives in time (blackbox: 0.5 s). */
  timeoutOffsetMs: 500,
  /** The probe's time when a request names no scrape timeout (blackbox: 120 s). */
  scrapeTimeoutMs: 120_000,
  /** The most probes one scrape may ask for. */
  maxCount: 1_000,
} as const;
