/**
 * Synchronous writes to stdout and stderr: result lines, text, logs and the progress
 * line of a one-shot command, which may wait for its output. A running server writes
 * through cli/line_queue.ts instead, which never waits.
 *
 * @module
 */

const encoder = new TextEncoder();
let stdoutOpen = true;

function writeAllSync(file: typeof Deno.stdout, text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
}

/**
 * Writes a result line to stdout. Once stdout is gone (`echoprobe ... | head -1`),
 * further results are dropped instead of failing the run.
 *
 * @param line One line, without the newline.
 */
export function writeResult(line: string): void {
  if (!stdoutOpen) return;
  try {
    writeAllSync(Deno.stdout, `${line}\n`);
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    stdoutOpen = false;
  }
}

/**
 * Writes text (help, version) to stdout as it is.
 *
 * @param text The text, with its newlines.
 */
export function writeText(text: string): void {
  writeResult(text.endsWith("\n") ? text.slice(0, -1) : text);
}

/**
 * Rewrites the progress line on stderr (a terminal): `\r`, the text, then erase to the end.
 *
 * @param text One line; empty clears the line.
 */
export function writeProgress(text: string): void {
  writeAllSync(Deno.stderr, `\r${text}\x1b[K`);
}

/**
 * Writes a log or diagnostic line to stderr.
 *
 * @param line One line, without the newline.
 */
export function writeLog(line: string): void {
  writeAllSync(Deno.stderr, `${line}\n`);
}
