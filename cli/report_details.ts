/**
 * What `echoprobe report` keeps of a run besides its probes' times and failures: the
 * protocol (`"proto":"udp"`), connect-only probes, the addresses probed and the
 * fallbacks between them (`attempts`), the means of the phases (`connectMs`, `tlsMs`,
 * `echoMs`), the TLS version and certificate, and UDP's duplicate, late and reordered
 * replies. Constant memory per run, however many lines; and the JSON field readers the
 * input uses.
 *
 * @module
 */

/** A JSON object as read from a line. */
export type Json = Record<string, unknown>;

/**
 * A finite number field of a JSON object.
 *
 * @param object The object.
 * @param key The field.
 * @returns The number, or `undefined` for anything else (missing, `null`, a string).
 */
export function numberField(object: Json, key: string): number | undefined {
  const value = object[key];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * A string field of a JSON object.
 *
 * @param object The object.
 * @param key The field.
 * @returns The string, or `undefined` for anything else.
 */
export function stringField(object: Json, key: string): string | undefined {
  const value = object[key];
  return typeof value === "string" ? value : undefined;
}

/**
 * An object field of counts by name (`errors`), keeping the counts above zero.
 *
 * @param object The object.
 * @param key The field.
 * @returns The counts; none when the field is not an object.
 */
export function countsField(object: Json, key: string): Record<string, number> {
  const value = object[key];
  const counts: Record<string, number> = {};
  if (typeof value !== "object" || value === null) return counts;
  for (const [code, count] of Object.entries(value)) {
    if (typeof count === "number" && count > 0) counts[code] = count;
  }
  return counts;
}

/**
 * An object field (a failure's `error`).
 *
 * @param object The object.
 * @param key The field.
 * @returns The object, or `undefined` when the field is not one.
 */
export function objectField(object: Json, key: string): Json | undefined {
  const value = object[key];
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Json
    : undefined;
}

/** A sum and a count, for a mean in constant memory. */
export interface Mean {
  /** The sum of the values. */
  sum: number;
  /** How many. */
  count: number;
}

/** The phases whose means a run's header shows, as the client's JSON names them. */
export const DETAIL_PHASES = ["connectMs", "tlsMs", "echoMs"] as const;

/** What a run's lines say beyond each probe's time and failure. */
export interface RunDetails {
  /** The protocol, when the lines name one (`"proto":"udp"`); TCP otherwise. */
  proto: string | undefined;
  /** Connect-only probes (`"connectOnly":true`): nothing was sent. */
  connectOnly: boolean;
  /** The host as given, from the first probe (a failure's `error.host`): to name the run. */
  host: string | undefined;
  /** The port, from the first probe that tells it. */
  port: number | undefined;
  /** The addresses probed (`address`, a failure's `error.address`), with their probes. */
  addresses: Map<string, number>;
  /** Successes that connected after an attempt at another address failed (RFC 8305). */
  fallbacks: number;
  /** The first such failed attempt, as the client says it: `::1 refused`. */
  firstFallback: string | undefined;
  /** Sums of each phase over the successes that carry it. */
  phases: Record<typeof DETAIL_PHASES[number], Mean>;
  /** The TLS version of the last probe over TLS: `TLSv1.3`. */
  tlsVersion: string | undefined;
  /** The days the server's certificate had left at the last probe over TLS. */
  certDaysLeft: number | undefined;
  /** What the last TLS handshake checked (`[]`: nothing, `--insecure-skip-verify`). */
  tlsVerified: string[] | undefined;
  /** UDP: replies to a probe that had had its reply (`"type":"duplicate"`). */
  duplicates: number;
  /** UDP: replies after their probe's timeout (`"type":"late"`). */
  late: number;
  /** UDP: probes whose reply came after a later probe's (`"reordered":true`). */
  reordered: number;
}

/**
 * Details with nothing seen yet.
 *
 * @returns The details of an empty run.
 */
export function newDetails(): RunDetails {
  return {
    proto: undefined,
    connectOnly: false,
    host: undefined,
    port: undefined,
    addresses: new Map(),
    fallbacks: 0,
    firstFallback: undefined,
    phases: {
      connectMs: { sum: 0, count: 0 },
      tlsMs: { sum: 0, count: 0 },
      echoMs: { sum: 0, count: 0 },
    },
    tlsVersion: undefined,
    certDaysLeft: undefined,
    tlsVerified: undefined,
    duplicates: 0,
    late: 0,
    reordered: 0,
  };
}

/**
 * Adds what a `"type":"probe"` object tells to its run's details.
 *
 * @param details The run's details; changed in place.
 * @param probe The probe object (a success, or a failure with its `error`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newDetails, noteProbe } from "./report_details.ts";
 *
 * const details = newDetails();
 * noteProbe(details, {
 *   ok: true,
 *   address: "127.0.0.1",
 *   connectMs: 0.5,
 *   tlsMs: 2,
 *   tlsVersion: "TLSv1.3",
 *   attempts: [{ address: "::1", error: "refused", ms: 0.1 }, { address: "127.0.0.1", ms: 0.4 }],
 * });
 * assert.equal(details.phases.tlsMs.sum, 2);
 * assert.deepEqual([details.fallbacks, details.firstFallback], [1, "::1 refused"]);
 * assert.equal(details.tlsVersion, "TLSv1.3");
 * ```
 */
export function noteProbe(details: RunDetails, probe: Json): void {
  details.proto ??= stringField(probe, "proto");
  if (probe.connectOnly === true) details.connectOnly = true;
  if (probe.reordered === true) details.reordered++;
  const error = objectField(probe, "error");
  // A failure says where in its `error`: a run that only failed is named from there.
  const where = error ?? probe;
  details.host ??= stringField(where, "host");
  details.port ??= numberField(where, "port");
  const address = stringField(where, "address");
  if (address !== undefined) {
    details.addresses.set(address, (details.addresses.get(address) ?? 0) + 1);
  }
  if (error) return;
  for (const phase of DETAIL_PHASES) {
    const ms = numberField(probe, phase);
    if (ms === undefined) continue;
    details.phases[phase].sum += ms;
    details.phases[phase].count++;
  }
  const failed = Array.isArray(probe.attempts)
    ? (probe.attempts as unknown[]).find((attempt): attempt is Json =>
      typeof attempt === "object" && attempt !== null &&
      typeof (attempt as Json).error === "string" && (attempt as Json).error !== "cancelled"
    )
    : undefined;
  if (failed) {
    details.fallbacks++;
    details.firstFallback ??= `${stringField(failed, "address") ?? "?"} ${failed.error}`;
  }
  details.tlsVersion = stringField(probe, "tlsVersion") ?? details.tlsVersion;
  details.certDaysLeft = numberField(probe, "certDaysLeft") ?? details.certDaysLeft;
  if (Array.isArray(probe.tlsVerified)) {
    details.tlsVerified = probe.tlsVerified.filter((check) => typeof check === "string");
  }
}

/**
 * Counts a UDP notice (`"type":"duplicate"` or `"type":"late"`) in its run's details.
 *
 * @param details The run's details; changed in place.
 * @param type Which notice.
 */
export function noteNotice(details: RunDetails, type: "duplicate" | "late"): void {
  details.proto ??= "udp";
  if (type === "duplicate") details.duplicates++;
  else details.late++;
}

/**
 * The mean of a phase over the successes that carry it.
 *
 * @param details The run's details.
 * @param phase The phase.
 * @returns Milliseconds, or `NaN` when no success carried it.
 */
export function phaseMean(details: RunDetails, phase: typeof DETAIL_PHASES[number]): number {
  const { sum, count } = details.phases[phase];
  return count ? sum / count : NaN;
}
