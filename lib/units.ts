/**
 * Durations, byte sizes and whole numbers as people type them on a command line.
 *
 * @module
 */

import { ValueError } from "./errors.ts";

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/**
 * The longest duration {@linkcode parseDuration} accepts: 596 hours. The runtime's
 * timers (`setTimeout`, `setInterval`, `AbortSignal.timeout`) hold at most 2^31 - 1 ms
 * (596.5 h) and fire after about 1 ms for anything longer, so a longer interval,
 * deadline or grace would end at once instead of never.
 */
export const MAX_DURATION_MS = 596 * 3_600_000;

/**
 * Parses a duration such as `500ms`, `30s`, `1.5s`, `2m` or `1h` into milliseconds.
 *
 * @param text The duration: a number and one of the units `ms`, `s`, `m`, `h`.
 * @returns The duration in milliseconds, above 0 and at most {@linkcode MAX_DURATION_MS}.
 * @throws {ValueError} If the text is not such a duration, is zero, or is longer than
 *   {@linkcode MAX_DURATION_MS} (596h).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration } from "./units.ts";
 *
 * assert.equal(parseDuration("1.5s"), 1500);
 * assert.equal(parseDuration("2m"), 120_000);
 * assert.throws(() => parseDuration("597h"), /at most 596h/);
 * ```
 */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  const ms = match ? Number(match[1]) * DURATION_UNITS_MS[match[2]!]! : NaN;
  if (!(ms > 0) || !(ms <= MAX_DURATION_MS)) {
    throw new ValueError(
      text,
      `a duration above zero and at most ${formatDuration(MAX_DURATION_MS)} such as 500ms, 30s, 2m`,
    );
  }
  return ms;
}

/**
 * Formats milliseconds as the shortest of `ms`, `s`, `m`, `h` that shows them exactly.
 *
 * @param ms The duration in milliseconds.
 * @returns The duration as {@linkcode parseDuration} reads it: `30s`, `250ms`, `1.5s`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDuration } from "./units.ts";
 *
 * assert.equal(formatDuration(30_000), "30s");
 * assert.equal(formatDuration(1_500), "1.5s");
 * assert.equal(formatDuration(250), "250ms");
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1_000) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 * 1024,
  mb: 1024 * 1024,
  mib: 1024 * 1024,
};
const SIZE = /^(\d+)([a-z]*)$/;

/**
 * Parses a byte count such as `250`, `4KiB` or `16MiB` (binary units, case-insensitive).
 *
 * @param text The size: whole bytes, or a whole number of `KiB` / `MiB` (`k`, `m` also).
 * @param max The largest size allowed, in bytes.
 * @returns The size in bytes, from 1 to `max`.
 * @throws {ValueError} If the text is not such a size or is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseByteSize } from "./units.ts";
 *
 * assert.equal(parseByteSize("4KiB", 1 << 20), 4096);
 * assert.throws(() => parseByteSize("2MiB", 1 << 20), /expected a size from 1 to 1048576 bytes/);
 * ```
 */
export function parseByteSize(text: string, max: number): number {
  const match = SIZE.exec(text.trim().toLowerCase());
  const unit = match ? SIZE_UNITS[match[2]!] : undefined;
  const bytes = match && unit ? Number(match[1]) * unit : NaN;
  if (!(bytes >= 1 && bytes <= max)) {
    throw new ValueError(text, `a size from 1 to ${max} bytes (units: KiB, MiB)`);
  }
  return bytes;
}

/**
 * Parses a whole number within bounds.
 *
 * @param text The number, in decimal digits.
 * @param min The smallest value allowed.
 * @param max The largest value allowed.
 * @returns The number.
 * @throws {ValueError} If the text is not a whole number from `min` to `max`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseInteger } from "./units.ts";
 *
 * assert.equal(parseInteger("3005", 0, 65535), 3005);
 * assert.throws(() => parseInteger("1.5", 0, 65535), /expected a whole number from 0 to 65535/);
 * ```
 */
export function parseInteger(text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new ValueError(text, `a whole number from ${min} to ${max}`);
  }
  return value;
}

const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * Parses a percentage from 0 to 100, decimals allowed.
 *
 * @param text The number, in decimal digits.
 * @returns The percentage.
 * @throws {ValueError} If it is not a number from 0 to 100.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePercent } from "./units.ts";
 *
 * assert.equal(parsePercent("2.5"), 2.5);
 * assert.throws(() => parsePercent("101"), /expected a percentage from 0 to 100/);
 * ```
 */
export function parsePercent(text: string): number {
  const percent = Number(text);
  if (!(DECIMAL.test(text) && percent <= 100)) {
    throw new ValueError(text, "a percentage from 0 to 100");
  }
  return percent;
}

/**
 * Parses a number above zero, decimals allowed.
 *
 * @param text The number, in decimal digits.
 * @param expected What the number is, for the error: `probes per second above 0`.
 * @returns The number.
 * @throws {ValueError} If it is not a number above zero.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePositive } from "./units.ts";
 *
 * assert.equal(parsePositive("0.5", "a rate above 0"), 0.5);
 * assert.throws(() => parsePositive("0", "a rate above 0"), /expected a rate above 0/);
 * ```
 */
export function parsePositive(text: string, expected: string): number {
  const value = Number(text);
  if (!DECIMAL.test(text) || !(value > 0)) throw new ValueError(text, expected);
  return value;
}
