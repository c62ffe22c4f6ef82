/**
 * Durations, byte sizes and whole numbers as people type them on a command line.
 *
 * @module
 */

import { UsageError } from "./errors.ts";

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/**
 * Parses a duration such as `500ms`, `30s`, `1.5s`, `2m` or `1h` into milliseconds.
 *
 * @param text The duration: a number and one of the units `ms`, `s`, `m`, `h`.
 * @param flag The flag it came from, for the error message.
 * @returns The duration in milliseconds.
 * @throws {UsageError} If the text is not such a duration, or is zero.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./units.ts";
 *
 * const ms = parseDuration("1.5s", "--timeout"); // 1500
 * ```
 */
export function parseDuration(text: string, flag: string): number {
  const match = DURATION.exec(text.trim());
  const ms = match ? Number(match[1]) * DURATION_UNITS_MS[match[2]!]! : NaN;
  if (!(ms > 0) || !Number.isFinite(ms)) {
    throw new UsageError(
      `Invalid ${flag} "${text}": expected a duration above zero such as 500ms, 30s, 2m`,
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
 * import { formatDuration } from "./units.ts";
 *
 * const text = formatDuration(30_000); // "30s"
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
 * @param flag The flag it came from, for the error message.
 * @param max The largest size allowed, in bytes.
 * @returns The size in bytes, from 1 to `max`.
 * @throws {UsageError} If the text is not such a size or is out of range.
 *
 * @example
 * ```ts
 * import { parseByteSize } from "./units.ts";
 *
 * const bytes = parseByteSize("4KiB", "--size", 1 << 20); // 4096
 * ```
 */
export function parseByteSize(text: string, flag: string, max: number): number {
  const match = SIZE.exec(text.trim().toLowerCase());
  const unit = match ? SIZE_UNITS[match[2]!] : undefined;
  const bytes = match && unit ? Number(match[1]) * unit : NaN;
  if (!(bytes >= 1 && bytes <= max)) {
    throw new UsageError(
      `Invalid ${flag} "${text}": expected a size from 1 to ${max} bytes (units: KiB, MiB)`,
    );
  }
  return bytes;
}

/**
 * Parses a whole number within bounds.
 *
 * @param text The number, in decimal digits.
 * @param flag The flag it came from, for the error message.
 * @param min The smallest value allowed.
 * @param max The largest value allowed.
 * @returns The number.
 * @throws {UsageError} If the text is not a whole number from `min` to `max`.
 *
 * @example
 * ```ts
 * import { parseInteger } from "./units.ts";
 *
 * const port = parseInteger("3005", "--port", 0, 65535);
 * ```
 */
export function parseInteger(text: string, flag: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new UsageError(
      `Invalid ${flag} "${text}": expected a whole number from ${min} to ${max}`,
    );
  }
  return value;
}
