/**
 * A `/probe` request's query parameters and scrape timeout to a probe series:
 * pure, with the library's value parsers, so a bad parameter is refused (HTTP 400)
 * before anything is probed.
 *
 * @module
 */

import { formatHostPort, hiddenPort, parseHostPort } from "../lib/address.ts";
import { parseSha256 } from "../lib/certificate.ts";
import { DEFAULTS, EXPORTER_DEFAULTS, MAX_PROBE_SIZE } from "../lib/defaults.ts";
import { ValueError } from "../lib/errors.ts";
import { parsePayload } from "../lib/payload.ts";
import type { SeriesOptions } from "../lib/series.ts";
import { parseServerName, type TlsOptions } from "../lib/tls_options.ts";
import {
  formatDuration,
  parseByteSize,
  parseDuration,
  parseInteger,
  parsePercent,
  parsePositive,
} from "../lib/units.ts";
import { parseDatagramSize, parseFamily, parseProto, parseSwitch } from "./exporter_values.ts";

/** A request the exporter refuses: HTTP 400 with this one-line message. */
export class ParamError extends Error {
  /** @param message One line naming the parameter (or header) and what is allowed. */
  constructor(message: string) {
    super(message);
    this.name = "ParamError";
  }
}

/** One query parameter of `/probe`: what it takes, and how it is read. */
interface ProbeParam {
  /** What the value is, for the help: `BYTES`, `DURATION`. */
  readonly value: string;
  /** One line of what it does; the client flag it mirrors. */
  readonly help: string;
}

/**
 * The query parameters of `/probe`, as `echoprobe exporter --help` lists them. New
 * probe kinds add a row here and a case in {@linkcode probeRequest}.
 */
export const PROBE_PARAMS = {
  target: { value: "HOST:PORT", help: "The echo server to probe (required; port 3005 if none)" },
  proto: { value: "tcp|udp", help: "udp: a datagram per probe, as client --udp (default tcp)" },
  size: {
    value: "BYTES",
    help: `Bytes per probe (default ${DEFAULTS.recordSize}; udp: the whole datagram)`,
  },
  count: {
    value: "N",
    help: `Probes in the series, 1 to ${EXPORTER_DEFAULTS.maxCount} (default ${DEFAULTS.count})`,
  },
  interval: {
    value: "DURATION",
    help: `From one probe's start to the next one's (default ${
      formatDuration(DEFAULTS.intervalMs)
    })`,
  },
  payload: { value: "KIND", help: "random, zeros, ascii or hex:BYTES, as client --payload" },
  reuse: { value: "1|0", help: "One connection for the whole series, as client --reuse" },
  timeout: {
    value: "DURATION",
    help: `Deadline per connect and echo, within the scrape (default ${
      formatDuration(DEFAULTS.timeoutMs)
    })`,
  },
  ip: { value: "4|6", help: "Keep to IPv4 or IPv6, as client -4 / -6" },
  seed: { value: "N", help: "Seed of the random payload" },
  max_loss: { value: "PCT", help: "Success while the loss is at most PCT percent (default 0)" },
  connect_only: { value: "1|0", help: "Only connect (and handshake), as client --connect-only" },
  tls: { value: "1|0", help: "Speak TLS, verifying chain (--ca, else the root store) and name" },
  sni: { value: "NAME", help: "Name to send and verify, as client --sni (implies tls=1)" },
  insecure_skip_verify: { value: "1|0", help: "Accept a certificate that does not verify (tls=1)" },
  pin_sha256: { value: "HEX", help: "Require this certificate fingerprint (implies tls=1)" },
} as const satisfies Record<string, ProbeParam>;

/** The name of a `/probe` query parameter. */
export type ProbeParamName = keyof typeof PROBE_PARAMS;

/** What one `/probe` request asks for. */
export interface ProbeRequest {
  /** Probes over TCP (`lib/series.ts`) or UDP (`lib/udp_series.ts`, `proto=udp`). */
  proto: "tcp" | "udp";
  /**
   * The series: what the parameters set, the timeout capped and the deadline set. With
   * `proto=udp` it holds only what a UDP series takes.
   */
  series: SeriesOptions;
  /** The target as the label and messages show it: `HOST:PORT`. */
  target: string;
  /** Success while the loss is at most this percentage; `undefined`: no probe may fail. */
  maxLossPct: number | undefined;
  /** The time the whole series may take, in milliseconds: the scrape's, less the offset. */
  budgetMs: number;
}

/** The header Prometheus sends with the scrape's timeout, in seconds. */
export const SCRAPE_TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds";

/**
 * Reads a `/probe` request: its parameters into a series, the scrape timeout into
 * the series' deadline. The probes' timeout (given or the client's default) is
 * capped by that deadline, as blackbox_exporter caps its module timeout.
 *
 * @param query The query string's parameters.
 * @param scrapeTimeout The `X-Prometheus-Scrape-Timeout-Seconds` header, if sent.
 * @param offsetMs Taken off the scrape timeout, so the answer arrives in time.
 * @param caCerts The CA certificates TLS probes trust in place of the root store (the
 *   exporter's `--ca`), if any.
 * @returns The request.
 * @throws {ParamError} Naming the parameter or the header that cannot be read, an
 *   unknown or repeated parameter, a missing or ambiguous target (`::1:3005`), or
 *   parameters that do not go together (`proto=udp` with `tls=1`, `connect_only=1` with
 *   `size`, ...).
 */
export function probeRequest(
  query: URLSearchParams,
  scrapeTimeout: string | null,
  offsetMs: number,
  caCerts?: readonly string[],
): ProbeRequest {
  const given = new Map<ProbeParamName, string>();
  for (const [name, value] of query) {
    if (!Object.hasOwn(PROBE_PARAMS, name)) {
      throw new ParamError(
        `Unknown parameter "${name}": expected ${Object.keys(PROBE_PARAMS).join(", ")}`,
      );
    }
    if (given.has(name as ProbeParamName)) {
      throw new ParamError(`Parameter "${name}" given more than once`);
    }
    given.set(name as ProbeParamName, value);
  }
  const read = <V>(name: ProbeParamName, parse: (text: string) => V): V | undefined => {
    const text = given.get(name);
    if (text === undefined) return undefined;
    try {
      return parse(text);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      throw new ParamError(`Invalid parameter ${name}="${text}": expected ${error.expected}`);
    }
  };

  const target = read("target", parseHostPort);
  if (target === undefined) throw new ParamError("Missing parameter target: expected HOST:PORT");
  // Refused as the client refuses it: the address `::1:3005`, or `[::1]:3005` meant?
  const hidden = hiddenPort(given.get("target")!);
  if (hidden) {
    const { hostname, port } = hidden;
    const text = given.get("target");
    throw new ParamError(
      `Ambiguous parameter target="${text}": write [${hostname}]:${port} for port ${port}, or [${text}] for that address`,
    );
  }
  const proto = read("proto", parseProto) ?? "tcp";
  const budgetMs = scrapeBudgetMs(scrapeTimeout, offsetMs);
  const timeoutMs = Math.min(read("timeout", parseDuration) ?? DEFAULTS.timeoutMs, budgetMs);
  const series: SeriesOptions = { hostname: target.hostname, timeoutMs, deadlineMs: budgetMs };
  const port = target.port ?? DEFAULTS.port;
  if (target.port !== undefined) series.port = target.port;
  const size = read(
    "size",
    proto === "udp" ? parseDatagramSize : (text) => parseByteSize(text, MAX_PROBE_SIZE),
  );
  if (size !== undefined) series.size = size;
  const count = read("count", (text) => parseInteger(text, 1, EXPORTER_DEFAULTS.maxCount));
  if (count !== undefined) series.count = count;
  const intervalMs = read("interval", parseDuration);
  if (intervalMs !== undefined) series.intervalMs = intervalMs;
  const payload = read("payload", parsePayload);
  if (payload !== undefined) series.payload = payload;
  const reuse = read("reuse", parseSwitch);
  if (reuse !== undefined) series.reuse = reuse;
  const family = read("ip", parseFamily);
  if (family !== undefined) series.family = family;
  const seed = read("seed", (text) => parseInteger(text, 0, 2 ** 32 - 1));
  if (seed !== undefined) series.seed = seed;
  const connectOnly = read("connect_only", parseSwitch);
  const tls = tlsParams(read, caCerts);
  // What a probe kind cannot use is refused, not ignored: a scrape would be trusted
  // for what it did not check (a UDP probe with tls=1 verifies no certificate).
  const asked = (names: readonly ProbeParamName[]) =>
    names.filter((name) => given.has(name) && !["0", "false"].includes(given.get(name)!));
  if (proto === "udp") {
    const tcpOnly = asked(["reuse", "connect_only", ...TLS_PARAMS]);
    if (tcpOnly.length > 0) {
      const verb = tcpOnly.length > 1 ? "do" : "does";
      throw new ParamError(
        `${params(tcpOnly)} ${verb} not go with proto=udp: it has no connection`,
      );
    }
  } else {
    if (connectOnly) {
      const sending = asked(["size", "payload", "seed", "reuse"]);
      if (sending.length > 0) {
        throw new ParamError(`connect_only=1 sends nothing: leave out ${sending.join(", ")}`);
      }
      series.connectOnly = true;
    }
    if (tls) series.tls = tls;
  }
  return {
    proto,
    series,
    target: formatHostPort(target.hostname, port),
    maxLossPct: read("max_loss", parsePercent),
    budgetMs,
  };
}

/** Parameters named in a message: `Parameter sni`, `Parameters sni, tls`. */
function params(names: readonly string[]): string {
  return `Parameter${names.length > 1 ? "s" : ""} ${names.join(", ")}`;
}

/** The parameters of TLS: `tls=1`, and those that imply it. */
const TLS_PARAMS = ["tls", "sni", "insecure_skip_verify", "pin_sha256"] as const;

/**
 * The TLS options the parameters ask for (`sni`, `insecure_skip_verify=1` and
 * `pin_sha256` imply `tls=1`, as their flags imply the client's `--tls`), or
 * `undefined` for none.
 */
function tlsParams(
  read: <V>(name: ProbeParamName, parse: (text: string) => V) => V | undefined,
  caCerts: readonly string[] | undefined,
): TlsOptions | undefined {
  const on = read("tls", parseSwitch);
  const serverName = read("sni", parseServerName);
  const insecure = read("insecure_skip_verify", parseSwitch);
  const pinSha256 = read("pin_sha256", parseSha256);
  const implied = [
    serverName !== undefined && "sni",
    insecure === true && "insecure_skip_verify",
    pinSha256 !== undefined && "pin_sha256",
  ].filter((name) => name !== false);
  if (on === false && implied.length > 0) {
    throw new ParamError(
      `${params(implied)} ${implied.length > 1 ? "need" : "needs"} TLS: leave out tls=0`,
    );
  }
  if (on !== true && implied.length === 0) return undefined;
  const tls: TlsOptions = {};
  if (serverName !== undefined) tls.serverName = serverName;
  if (insecure) tls.insecureSkipVerify = true;
  if (pinSha256 !== undefined) tls.pinSha256 = pinSha256;
  if (caCerts) tls.caCerts = caCerts;
  return tls;
}

/**
 * The time a series may take: the scrape timeout Prometheus sends, less the offset
 * (blackbox_exporter's rule; without the header, 120 s as blackbox assumes).
 *
 * @param header The header's value, in seconds, or `null` when not sent.
 * @param offsetMs Taken off it.
 * @returns Milliseconds above zero.
 * @throws {ParamError} When the header is not a number above zero, or leaves no time
 *   after the offset.
 */
export function scrapeBudgetMs(header: string | null, offsetMs: number): number {
  if (header === null) return EXPORTER_DEFAULTS.scrapeTimeoutMs - offsetMs;
  let timeoutMs: number;
  try {
    timeoutMs = parsePositive(header.trim(), "seconds above 0") * 1000;
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    throw new ParamError(
      `Invalid header ${SCRAPE_TIMEOUT_HEADER} "${header}": expected seconds above 0`,
    );
  }
  if (timeoutMs <= offsetMs) {
    throw new ParamError(
      `Invalid header ${SCRAPE_TIMEOUT_HEADER} "${header}": expected more than the offset of ${
        formatDuration(offsetMs)
      } (exporter --timeout-offset)`,
    );
  }
  return timeoutMs - offsetMs;
}
