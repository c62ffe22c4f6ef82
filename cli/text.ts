/**
 * Numbers and colour as the line formatters print them.
 *
 * @module
 */

/**
 * Rounds milliseconds to microseconds, for JSON.
 *
 * @param ms Milliseconds.
 * @returns `ms` with at most three decimals.
 */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * A number of milliseconds for JSON: rounded to microseconds, `null` when unknown.
 *
 * @param ms Milliseconds, or `NaN`.
 * @returns The rounded number, or `null`.
 */
export function jsonMs(ms: number): number | null {
  return Number.isFinite(ms) ? roundMs(ms) : null;
}

/**
 * Formats milliseconds for people, with three significant digits as ping does.
 *
 * @param ms Milliseconds.
 * @returns `0.213`, `1.25`, `12.5`, `125`.
 */
export function formatMs(ms: number): string {
  return ms.toFixed(ms < 1 ? 3 : ms < 10 ? 2 : ms < 100 ? 1 : 0);
}

/**
 * Text in red, for a terminal.
 *
 * @param text The text.
 * @returns The text between ANSI red and reset.
 */
export function red(text: string): string {
  return `\x1b[31m${text}\x1b[0m`;
}

/**
 * Error counts as `code=N code=N`.
 *
 * @param errors Counts by code.
 * @returns The words, or `""` when there are none.
 */
export function formatErrors(errors: Readonly<Record<string, number | undefined>>): string {
  return Object.entries(errors).map(([code, n]) => `${code}=${n}`).join(" ");
}

/**
 * Why a file the user named could not be read, in words (not the system's `(os error 21)`).
 *
 * @param error What reading it threw.
 * @returns `no such file`, `it is a directory, not a file`, `permission denied`, or the
 *   error's own text without the system's error number.
 */
export function readFailure(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory, not a file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  // Other failures keep their text, without the system's error number.
  return (error as Error).message.replace(/ \(os error \d+\)/, "");
}
