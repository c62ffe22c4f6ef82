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
  /**
   * From the start of one connection attempt to the start of the next, when a name has
   * several addresses (RFC 8305's Connection Attempt Delay).
   */
  attemptDelayMs: 250,
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
