/**
 * echoprobe: a TCP echo server and a probe that checks the echo, as a library.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { probe, serve } from "./mod.ts";
 *
 * // An echo server on a free loopback port, closed when the scope ends.
 * await using server = serve({ hostname: "127.0.0.1", port: 0, timeoutMs: 5_000 });
 *
 * // One probe: connect, send 250 bytes, read them back, verify, time.
 * const result = await probe({ hostname: "127.0.0.1", port: server.addr.port });
 * assert.equal(result.bytes, 250); // a failure throws a ProbeError with a `code`
 * ```
 *
 * @module
 */

export { DEFAULTS, MAX_LOAD_BUFFER_BYTES, MAX_PROBE_SIZE, MAX_RECORD_SIZE } from "./defaults.ts";
export {
  EchoError,
  type ErrorCode,
  isReset,
  ProbeError,
  type ProbeErrorDetails,
  type TlsFailure,
  ValueError,
} from "./errors.ts";
export { type Reader, readFull, writeAll, type Writer } from "./record.ts";
export { serve } from "./server.ts";
export type { EchoServer, ServeOptions, ServerStats, ServerSummary } from "./serve_options.ts";
export type { CloseReason, ConnectionInfo, EchoMode } from "./echo.ts";
export {
  Admission,
  type AdmissionOptions,
  type RejectInfo,
  type RejectReason,
} from "./admission.ts";
export { listenError, listenTcp } from "./listen.ts";
export {
  probe,
  type ProbeOptions,
  Prober,
  type ProbeResult,
  type ProberShared,
  type ProbeSettings,
  probeSettings,
} from "./probe.ts";
export {
  literalFamily,
  resolveAddresses,
  type ResolveOptions,
  type Resolver,
  systemResolver,
} from "./resolve.ts";
export {
  type AttemptOutcome,
  type ConnectAttempt,
  type Connected,
  ConnectFailure,
  connectFirst,
  type ConnectFirstOptions,
  interleaveFamilies,
} from "./happy_eyeballs.ts";
export { type ProbeOutcome, probeSeries, type SeriesEnd, type SeriesOptions } from "./series.ts";
export { loadBufferBytes, proberBufferBytes } from "./exchange.ts";
export {
  load,
  type LoadInterval,
  type LoadOptions,
  type LoadProgress,
  type LoadReport,
} from "./load.ts";
export { ProbeStats, type ProbeSummary } from "./stats.ts";
export { Histogram } from "./histogram.ts";
export {
  compare,
  type Difference,
  fillPattern,
  fillPayload,
  parsePayload,
  type PayloadSpec,
} from "./payload.ts";
export { Deadline, DeadlineTimer, defaultResolutionMs, LIMIT_REASON } from "./deadline.ts";
export { canonicalAddress, type Cidr, parseAddress, parseCidr } from "./cidr.ts";
export { delay } from "./delay.ts";
export {
  formatHostPort,
  hiddenPort,
  type HostPort,
  ipFamily,
  parseHost,
  parseHostPort,
  parseListenAddress,
} from "./address.ts";
export {
  formatDuration,
  MAX_DURATION_MS,
  parseByteSize,
  parseDuration,
  parseInteger,
} from "./units.ts";
// UDP (Deno's unstable network API: run with --unstable-net).
export { listenUdp } from "./listen.ts";
export {
  serveUdp,
  type UdpEchoServer,
  type UdpServeOptions,
  type UdpServerStats,
  type UdpServerSummary,
} from "./udp_server.ts";
export {
  REFLECTOR_PORTS,
  UDP_REFUSALS,
  UdpGuard,
  type UdpGuardOptions,
  type UdpRefusal,
} from "./udp_guard.ts";
export {
  SourceEntry,
  type SourceLimit,
  SourceTable,
  type UdpSourceCounts,
  type UdpSourceReport,
  type UdpSourceSummary,
} from "./udp_sources.ts";
export { isFull, takeToken, TokenBucket, type TokenState } from "./token_bucket.ts";
export { UdpProber } from "./udp_probe.ts";
export type {
  UdpEvent,
  UdpNotice,
  UdpOutcome,
  UdpPeer,
  UdpProbeOptions,
  UdpReply,
} from "./udp_probe_options.ts";
export { udpSeries, type UdpSeriesEnd, type UdpSeriesOptions } from "./udp_series.ts";
export { udpLoad, type UdpLoadOptions, type UdpLoadReport } from "./udp_load.ts";
export { InterarrivalJitter, UdpStats, type UdpSummary } from "./udp_stats.ts";
export {
  checkDatagramSize,
  type DatagramHeader,
  fillDatagram,
  MAX_DATAGRAM_BYTES,
  readHeader,
  UDP_HEADER_BYTES,
  writeHeader,
} from "./udp_datagram.ts";
// TLS: types and light functions only; node:tls loads when a probe or server uses it.
export {
  certificateSha256,
  type CertifiedKey,
  parseSha256,
  type SelfSignedCertificate,
  selfSignedCertificate,
  type SelfSignedOptions,
} from "./certificate.ts";
export {
  parseServerName,
  type PeerCertificate,
  type TlsCheck,
  type TlsInfo,
  type TlsOptions,
} from "./tls_options.ts";
export { type ServerTls, serverTls } from "./tls_server.ts";
export type { TcpDuplex, TlsStream } from "./tls_stream.ts";
