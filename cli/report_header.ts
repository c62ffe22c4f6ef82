/**
 * The words of `echoprobe report`'s header and UDP table: each run's mode (protocol,
 * ping or load, TLS, connect-only), the addresses it probed, its settings and phases,
 * and UDP's lost, duplicated, reordered and late replies. Pure text; the page escapes it.
 *
 * @module
 */

import { phaseMean } from "./report_details.ts";
import { type RunFigures, summaryNumber } from "./report_figures.ts";
import type { Run } from "./report_input.ts";
import { formatLatency, formatSpan } from "./report_svg.ts";

/** Addresses listed by name in the header; the rest are counted. */
const ADDRESSES_SHOWN = 3;

/**
 * How a run probed: `TCP ping over TLS (TLSv1.3), a new connection per probe`,
 * `TCP ping, connect only`, `UDP load, 500/s scheduled`.
 *
 * @param run The run.
 * @returns The words.
 */
export function runMode(run: Run): string {
  const { details } = run;
  const protocol = (details.proto ?? "tcp").toUpperCase();
  const words: string[] = [];
  if (details.connectOnly) words.push("connect only");
  if (run.kind === "load") {
    const loops = summaryNumber(run, "concurrency");
    const rate = summaryNumber(run, "rate");
    // Over UDP a rate has no loops: the datagrams go out on the schedule.
    if (!Number.isNaN(loops) && !(isUdp(run) && !Number.isNaN(rate))) {
      words.push(`${loops} loop${loops === 1 ? "" : "s"}`);
    }
    if (!Number.isNaN(rate)) words.push(`${rate}/s scheduled`);
    return [`${protocol} load`, ...words].join(", ");
  }
  const tls = details.tlsVersion === undefined ? "" : ` over TLS (${details.tlsVersion})`;
  if (run.reused !== undefined) {
    words.unshift(run.reused ? "one kept connection" : "a new connection per probe");
  }
  return [`${protocol} ping${tls}`, ...words].join(", ");
}

/**
 * The addresses a run probed: the one, or each with its probes when a name gave
 * several (`::1 ×3, 127.0.0.1 ×117`).
 *
 * @param run The run.
 * @returns The words; `-` when the lines name none.
 */
export function runAddresses(run: Run): string {
  const { addresses } = run.details;
  if (addresses.size <= 1) return run.address ?? [...addresses.keys()][0] ?? "-";
  const listed = [...addresses].slice(0, ADDRESSES_SHOWN).map(([address, n]) => `${address} ×${n}`);
  const more = addresses.size - ADDRESSES_SHOWN;
  return `${listed.join(", ")}${more > 0 ? `, +${more} more` : ""}`;
}

/**
 * A run's settings as its lines tell them (probes, interval, bytes, seed), the means
 * of its phases, its fallbacks between addresses, and its TLS certificate.
 *
 * @param run The run.
 * @param figures Its figures.
 * @returns The words.
 */
export function runSettings(run: Run, figures: RunFigures): string {
  const { details } = run;
  const words: string[] = [];
  if (run.kind === "ping") {
    words.push(`${figures.probes} probes`);
    const gaps = run.atMs.slice(1).map((at, i) => at - run.atMs[i]!).sort((a, b) => a - b);
    const gap = gaps[Math.floor(gaps.length / 2)];
    if (gap !== undefined) words.push(`interval ≈ ${formatSpan(gap)} (median)`);
  }
  if (details.connectOnly) {
    words.push("nothing sent");
  } else {
    const bytes = summaryNumber(run, "bytes");
    const size = run.size ?? (figures.ok > 0 ? Math.round(bytes / figures.ok) : NaN);
    if (Number.isFinite(size)) words.push(`${size} bytes per probe`);
  }
  const seed = summaryNumber(run, "seed");
  if (!Number.isNaN(seed)) words.push(`seed ${seed}`);
  const phases = [["connect", "connectMs"], ["TLS", "tlsMs"], ["echo", "echoMs"]] as const;
  const means = phases.map(([name, phase]) => [name, phaseMean(details, phase)] as const)
    .filter(([, ms]) => !Number.isNaN(ms)).map(([name, ms]) => `${name} ${formatLatency(ms)}`);
  if (means.length > 0) words.push(`${means.join(", ")} ms (means)`);
  if (details.fallbacks > 0) {
    words.push(
      `${details.fallbacks} connected after a failed attempt (first: ${details.firstFallback})`,
    );
  }
  if (details.certDaysLeft !== undefined) {
    const days = Math.floor(details.certDaysLeft);
    words.push(days < 0 ? "certificate EXPIRED" : `certificate ${days} days left`);
  }
  const verified = details.tlsVerified;
  if (verified && !(verified.includes("chain") && verified.includes("name"))) {
    words.push(verified.length === 0 ? "TLS UNVERIFIED" : `TLS verified: ${verified.join(", ")}`);
  }
  return words.join(", ");
}

/**
 * Whether a run went over UDP.
 *
 * @param run The run.
 * @returns `true` when its lines say `"proto":"udp"`.
 */
export function isUdp(run: Run): boolean {
  return run.details.proto === "udp";
}

/**
 * A UDP run's row of the UDP table: lost, duplicates, reordered, late and stray, and
 * the RFC 3550 jitter; from its closing object, or counted from its lines without one.
 *
 * @param run The run (over UDP).
 * @param figures Its figures.
 * @returns The cells, after the run's own.
 */
export function udpCells(run: Run, figures: RunFigures): string[] {
  const { details } = run;
  const count = (key: string, counted: number) => {
    const value = summaryNumber(run, key);
    return String(Number.isNaN(value) ? counted : value);
  };
  const jitter = summaryNumber(run, "jitterMs");
  return [
    count("lost", figures.errors.timeout ?? 0),
    count("duplicates", details.duplicates),
    count("reordered", details.reordered),
    count("late", details.late),
    count("stray", 0),
    formatLatency(jitter),
  ];
}
