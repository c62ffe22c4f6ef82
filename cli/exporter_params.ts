/**
 * A `/probe` request's query parameters and scrape timeout to a probe series:
 * pure, with the library's value parsers, so a bad parameter is refused (HTTP 400)
 * before anything is probed.
 *
 * @module
 */

import { formatHostPort, parseHostPort } from "../lib/address.ts";
import { DEFAULTS, EXPORTER_DEFAULTS, MAX_PROBE_SIZE } from "../lib/defaults.ts";
import { ValueError } from "../lib/errors.ts";
import { parsePayload } from "../lib/payload.ts";
import type { SeriesOptions } from "../lib/series.ts";
import {
  formatDuration,
  parseByteSize,
  parseDuration,
  parseInteger,
  parsePercent,
  parsePositive,
} from "../lib/units.ts";

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
 * probe kinds add a row here and a case in {@linkcode probeRequest} (`proto=udp`,
 * `connect_only=1`).
 */
export const PROBE_PARAMS = {
  target: { value: "HOST:PORT", help: "The echo server to probe (required; port 3005 if none)" },
  size: { value: "BYTES", help: "Bytes per probe, as client --size" },
  count: { value: "N", help: `Probes in the series, 1 to ${EXPORTER_DEFAULTS.maxCount}` },
  interval: { value: "DURATION", help: "From one probe's start to the next one's" },
  payload: { value: "KIND", help: "random, zeros, ascii or hex:BYTES, as client --payload" },
  reuse: { value: "1|0", help: "One connection for the whole series, as client --reuse" },
  timeout: { value: "DURATION", help: "Deadline of each connect and echo (capped by the scrape)" },
  ip: { value: "4|6", help: "Keep to IPv4 or IPv6, as client -4 / -6" },
  seed: { value: "N", help: "Seed of the random payload" },
  max_loss: { value: "PCT", help: "Success while the loss is at most PCT percent (default 0)" },
} as const satisfies Record<string, ProbeParam>;

/** The name of a `/probe` query parameter. */
export type ProbeParamName = keyof typeof PROBE_PARAMS;

/** What one `/probe` request asks for. */
export interface ProbeRequest {
  /** The series: what the parameters set, the timeout capped and the deadline set. */
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
 * @returns The request.
 * @throws {ParamError} Naming the parameter or the header that cannot be read, an
 *   unknown or repeated parameter, or a missing target.
 */
export function probeRequest(
  query: URLSearchParams,
  scrapeTimeout: string | null,
  offsetMs: number,
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
  const budgetMs = scrapeBudgetMs(scrapeTimeout, offsetMs);
  const timeoutMs = Math.min(read("timeout", parseDuration) ?? DEFAULTS.timeoutMs, budgetMs);
  const series: SeriesOptions = { hostname: target.hostname, timeoutMs, deadlineMs: budgetMs };
  const port = target.port ?? DEFAULTS.port;
  if (target.port !== undefined) series.port = target.port;
  const size = read("size", (text) => parseByteSize(text, MAX_PROBE_SIZE));
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
  return {
    series,
    target: formatHostPort(target.hostname, port),
    maxLossPct: read("max_loss", parsePercent),
    budgetMs,
  };
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

function parseSwitch(text: string): boolean {
  if (text === "1" || text === "true") return true;
  if (text === "0" || text === "false") return false;
  throw new ValueError(text, "1 or 0 (true or false)");
}

function parseFamily(text: string): 4 | 6 {
  if (text === "4") return 4;
  if (text === "6") return 6;
  throw new ValueError(text, "4 or 6");
}
