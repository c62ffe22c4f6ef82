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
} as const;

/** The largest record size accepted: 64 MiB. */
export const MAX_RECORD_SIZE = 64 * 1024 * 1024;

/** The largest payload of one probe: 16 MiB. */
export const MAX_PROBE_SIZE = 16 * 1024 * 1024;
