/**
 * The one place that writes to stdout and stderr: result lines, text, logs, the
 * progress line, and the batched log of a running server.
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

/** How long a batched log line may wait before it is written. */
const LOG_FLUSH_MS = 100;
/** Batched log text that is written at once, without waiting for the flush timer. */
const LOG_FLUSH_BYTES = 64 * 1024;

/**
 * Log lines for stderr, written in batches: one write per `LOG_FLUSH_MS` (or per
 * 64 KiB) instead of one per line, so a server closing thousands of connections a
 * second does not spend a write on each. Lines keep their order; dispose of it (or
 * {@linkcode LogBatch.flush}) to write what waits.
 */
export class LogBatch implements Disposable {
  #lines: string[] = [];
  #bytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #flush = () => this.flush();

  /**
   * Adds a line; it is written within `LOG_FLUSH_MS`.
   *
   * @param line One line, without the newline.
   */
  write(line: string): void {
    this.#lines.push(line);
    this.#bytes += line.length + 1;
    if (this.#bytes >= LOG_FLUSH_BYTES) this.flush();
    else this.#timer ??= setTimeout(this.#flush, LOG_FLUSH_MS);
  }

  /** Writes the waiting lines now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#lines.length === 0) return;
    const text = `${this.#lines.join("\n")}\n`;
    this.#lines = [];
    this.#bytes = 0;
    writeAllSync(Deno.stderr, text);
  }

  [Symbol.dispose](): void {
    this.flush();
  }
}
