/**
 * The client's flags to a plan: what to probe (only what was given; the library
 * applies its defaults), a series or load mode, and how to report.
 *
 * @module
 */

import type { CLIENT_FLAGS } from "../client.ts";
import { formatHostPort, hiddenPort, ipFamily, parseHostPort } from "../lib/address.ts";
import { MAX_LOAD_BUFFER_BYTES, MAX_PROBE_SIZE } from "../lib/defaults.ts";
import { ValueError } from "../lib/errors.ts";
import { parseSha256 } from "../lib/certificate.ts";
import { loadBufferBytes } from "../lib/exchange.ts";
import { parsePayload } from "../lib/payload.ts";
import { probeSettings } from "../lib/probe_options.ts";
import type { SeriesOptions } from "../lib/series.ts";
import { parseServerName, type TlsOptions } from "../lib/tls_options.ts";
import { parseDuration, parsePercent, parsePositive } from "../lib/units.ts";
import type { LoadSettings } from "./client_lines.ts";
import { UsageError } from "./exit.ts";
import { checkUdpFlags } from "./udp_client_plan.ts";
import {
  argumentValue,
  durationFlag,
  flagValue,
  given,
  integerFlag,
  type ParsedFlags,
  sizeFlag,
} from "./flags.ts";

/** What `echoprobe client` was asked to do. */
export interface ClientPlan {
  /** `--help`: print the help, run nothing. */
  help: boolean;
  /** The probes: only what the flags set (the library applies its defaults). */
  series: SeriesOptions;
  /** Load mode's settings, or `undefined` for a ping-style series. */
  load: LoadSettings | undefined;
  /** `--payload @FILE`: the file whose bytes are the payload (`-`: standard input). */
  payloadFile: string | undefined;
  /** `--ca FILE`: the CA certificates to trust, in PEM (`-`: standard input). */
  caFile: string | undefined;
  /** HOST:PORT as the lines show it. */
  target: string;
  /** The payload as the header shows it, after `random payload (seed N)` for random. */
  payloadName: string | undefined;
  /** Print the summary only. */
  quiet: boolean;
  /** JSON lines on stdout. */
  json: boolean;
  /** Exit 1 only when the loss is above this percentage. */
  maxLossPct: number | undefined;
  /** `--udp`: probe with datagrams (cli/udp_client_run.ts); left out when not asked for. */
  udp?: boolean;
}

/** The client's flags as `parseFlags()` gives them. */
export type ClientValues = ParsedFlags<typeof CLIENT_FLAGS>["values"];

/**
 * Turns the client's parsed flags and HOST into a plan.
 *
 * @param values The flags, as parsed from the client's table.
 * @param positionals The arguments that are not flags: exactly one HOST.
 * @returns The plan.
 * @throws {UsageError} For a missing or extra HOST, or a value out of range, naming the flag.
 */
export function clientPlan(values: ClientValues, positionals: string[]): ClientPlan {
  const plan: ClientPlan = {
    help: values.help === true,
    series: { hostname: "" },
    load: undefined,
    payloadFile: undefined,
    caFile: values.ca,
    target: "",
    payloadName: undefined,
    quiet: values.quiet === true,
    json: values.json === true,
    maxLossPct: undefined,
  };
  if (plan.help) return plan; // --help wins over the values of the other flags
  plan.maxLossPct = flagValue("max-loss", values["max-loss"], parsePercent);
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? 'Missing HOST (see "echoprobe client --help")'
        : `Expected one HOST, got ${positionals.length}: "${positionals.join('", "')}"`,
    );
  }
  const portFlag = integerFlag("port", values.port, 1, 65535);
  const target = argumentValue(positionals[0]!, parseHostPort);
  const hidden = portFlag === undefined ? hiddenPort(positionals[0]!) : undefined;
  if (hidden) {
    const { hostname, port } = hidden;
    throw new UsageError(
      `Ambiguous HOST "${positionals[0]}": write [${hostname}]:${port} for port ${port}, or [${
        positionals[0]
      }] (or --port) for that address`,
    );
  }
  if (portFlag !== undefined && target.port !== undefined && target.port !== portFlag) {
    throw new UsageError(`Port given twice: in "${positionals[0]}" and with --port ${portFlag}`);
  }
  if (values.ipv4 && values.ipv6) throw new UsageError("Give -4 or -6, not both");
  const family = values.ipv4 ? 4 : values.ipv6 ? 6 : undefined;
  const literal = ipFamily(target.hostname);
  if (family !== undefined && literal !== undefined && literal !== family) {
    // Refused before the run, not a resolve failure after it: nothing could succeed.
    throw new UsageError(
      `-${family} keeps to IPv${family}, but HOST "${
        positionals[0]
      }" is an IPv${literal} address: leave out -${family}`,
    );
  }
  const payload = values.payload;
  if (payload?.startsWith("@")) {
    if (values.size !== undefined) {
      throw new UsageError(`Give --size or --payload @FILE, not both: the file sets the size`);
    }
    plan.payloadFile = payload.slice(1);
  }
  if (payload !== undefined && payload !== "random") plan.payloadName = payload;
  if (plan.caFile === "-" && plan.payloadFile === "-") {
    throw new UsageError("Only one of --payload @- and --ca - can read standard input");
  }
  if (values["connect-only"]) {
    const sending = (["reuse", "size", "payload", "seed"] as const).filter((name) =>
      values[name] !== undefined
    );
    if (sending.length > 0) {
      throw new UsageError(`--connect-only sends nothing: leave out --${sending.join(", --")}`);
    }
  }
  plan.series = given<SeriesOptions>({
    hostname: target.hostname,
    payload: plan.payloadFile === undefined
      ? flagValue("payload", payload, parsePayloadFlag)
      : undefined,
    port: target.port ?? portFlag,
    size: sizeFlag("size", values.size, MAX_PROBE_SIZE),
    seed: integerFlag("seed", values.seed, 0, 2 ** 32 - 1),
    timeoutMs: durationFlag("timeout", values.timeout),
    attemptDelayMs: flagValue("attempt-delay", values["attempt-delay"], parseAttemptDelay),
    count: integerFlag("count", values.count, 0, 1_000_000_000),
    intervalMs: durationFlag("interval", values.interval),
    deadlineMs: durationFlag("deadline", values.deadline),
    reuse: values.reuse,
    resolveEach: values.resolve,
    untilOk: values["until-ok"],
    family,
    tls: tlsOptions(values),
    connectOnly: values["connect-only"],
  });
  plan.target = formatHostPort(target.hostname, probeSettings(plan.series).port);
  plan.load = loadSettings(values, plan.series);
  if (values.udp) plan.udp = checkUdpFlags(values, plan);
  return plan;
}

/** Load mode's settings, when `--concurrency`, `--duration` or `--rate` asks for it. */
function loadSettings(
  values: ClientValues,
  series: SeriesOptions,
): LoadSettings | undefined {
  if (![values.concurrency, values.duration, values.rate].some((text) => text !== undefined)) {
    return undefined;
  }
  if (values.interval !== undefined || values.deadline !== undefined || values["until-ok"]) {
    throw new UsageError(
      "--interval, --deadline and --until-ok do not go with load mode: use --rate and --duration",
    );
  }
  const settings = given<LoadSettings>({
    concurrency: integerFlag("concurrency", values.concurrency, 1, 10_000) ?? 1,
    durationMs: durationFlag("duration", values.duration),
    // --count 0 is the help's "until Ctrl-C": no count.
    count: series.count || undefined,
    rate: flagValue(
      "rate",
      values.rate,
      (text) => parsePositive(text, "probes per second above 0"),
    ),
    connectOnly: values["connect-only"],
  });
  if (settings.durationMs === undefined && series.count === undefined) {
    throw new UsageError("Load mode needs --duration or --count (--count 0: until Ctrl-C)");
  }
  // Over UDP one socket serves every loop (lib/udp_load.ts): no buffers per loop.
  if (values.size !== undefined && !values.udp) {
    checkLoadBudget(settings.concurrency, probeSettings(series).size, `--size ${values.size}`);
  }
  return settings;
}

/**
 * Refuses a load run whose loops' buffers together would pass the budget
 * (`MAX_LOAD_BUFFER_BYTES`), naming both flags.
 *
 * @param concurrency The loops (`--concurrency`).
 * @param size Bytes per probe.
 * @param sizeGiven How the size was given, as the message shows it: `--size 16MiB`.
 * @throws {UsageError} Above the budget.
 */
export function checkLoadBudget(concurrency: number, size: number, sizeGiven: string): void {
  const bytes = loadBufferBytes(concurrency, size);
  if (bytes <= MAX_LOAD_BUFFER_BYTES) return;
  const mib = (value: number) => `${Math.round(value / 2 ** 20)} MiB`;
  throw new UsageError(
    `--concurrency ${concurrency} with ${sizeGiven} needs ${
      mib(bytes)
    } of buffers (a payload and an echo per loop), above load mode's budget of ${
      mib(MAX_LOAD_BUFFER_BYTES)
    }: lower --concurrency or the size`,
  );
}

/** RFC 8305 asks for at least 10 ms between connection attempts. */
function parseAttemptDelay(text: string): number {
  const ms = parseDuration(text);
  if (ms < 10) throw new ValueError(text, "a duration of 10ms or more (RFC 8305)");
  return ms;
}

/**
 * The TLS options the flags set (the CA certificates are read from `--ca` when the
 * plan runs), or `undefined` without any TLS flag: each one implies `--tls`.
 */
function tlsOptions(values: ClientValues): TlsOptions | undefined {
  const { tls, ca, sni } = values;
  const insecure = values["insecure-skip-verify"];
  const pin = values["pin-sha256"];
  if (!tls && ca === undefined && sni === undefined && !insecure && pin === undefined) {
    return undefined;
  }
  return given<TlsOptions>({
    serverName: flagValue("sni", sni, parseServerName),
    insecureSkipVerify: insecure,
    pinSha256: flagValue("pin-sha256", pin, parseSha256),
  });
}

function parsePayloadFlag(text: string) {
  try {
    return parsePayload(text);
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    throw new ValueError(
      text,
      "random, zeros, ascii, hex:BYTES (pairs of hex digits) or @FILE",
    );
  }
}
