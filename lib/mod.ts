/**
 * echoprobe: a TCP echo server and a probe that checks the echo, as a library.
 *
 * ```ts
 * import { probe, serve } from "./mod.ts";
 *
 * // An echo server on a free loopback port, closed when the scope ends.
 * await using server = serve({ hostname: "127.0.0.1", port: 0, timeoutMs: 5_000 });
 *
 * // One probe: connect, send 250 bytes, read them back, verify, time.
 * const result = await probe({ hostname: "127.0.0.1", port: server.addr.port });
 * // result.timeMs, result.localPort, ...; a failure throws a ProbeError with a `code`
 * ```
 *
 * @module
 */

export { DEFAULTS, MAX_PROBE_SIZE, MAX_RECORD_SIZE } from "./defaults.ts";
export {
  EchoError,
  type ErrorCode,
  ProbeError,
  type ProbeErrorDetails,
  UsageError,
} from "./errors.ts";
export { type Reader, readFull, writeAll, type Writer } from "./record.ts";
export {
  type CloseReason,
  type ConnectionInfo,
  type EchoMode,
  type EchoServer,
  serve,
  type ServeOptions,
  type ServerSummary,
} from "./server.ts";
export {
  probe,
  type ProbeOptions,
  Prober,
  type ProbeResult,
  type Resolver,
  systemResolver,
} from "./probe.ts";
export { type ProbeOutcome, probeSeries, type SeriesEnd, type SeriesOptions } from "./series.ts";
export { ProbeStats, type ProbeSummary } from "./stats.ts";
export { Histogram } from "./histogram.ts";
export { fillPayload, parsePayload, type PayloadSpec } from "./payload.ts";
export { Deadline, DeadlineTimer, defaultResolutionMs } from "./deadline.ts";
export { formatHostPort, type HostPort, parseHostPort } from "./address.ts";
export { formatDuration, parseByteSize, parseDuration, parseInteger } from "./units.ts";
