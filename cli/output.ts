/**
 * Synchronous writes to stdout and stderr: result lines, text, logs and the progress
 * line of a one-shot command, which may wait for its output. A running server writes
 * through cli/line_queue.ts instead, which never waits.
 *
 * @module
 */

const encoder = new TextEncoder();
const stdoutDone = new AbortController();
/** Why stdout failed, once it did: every later result line throws it again. */
let failure: OutputError | undefined;

/**
 * Aborts once stdout takes no more lines: it is gone (a pipe whose reader exited,
 * `echoprobe ... | head -1`; a hung-up terminal) or it failed (a full disk). A client run
 * stops on it as on Ctrl-C (cli/signals.ts).
 */
export const stdoutClosed: AbortSignal = stdoutDone.signal;

/**
 * Stdout could not take a line for a reason other than being gone: a full disk
 * (`> /dev/full`), a failing device. Exit 3 (cli/exit.ts), as for an environment that
 * does not let echoprobe run: a script must not take it for a failed check (1).
 */
export class OutputError extends Error {
  /** @param cause What the write threw. */
  constructor(cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    // The system's words as the reason after the colon, without its error number.
    const reason = why.replace(/ \(os error \d+\)$/, "");
    super(
      `Cannot write to standard output: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`,
      { cause },
    );
    this.name = "OutputError";
  }
}

function writeAllSync(file: typeof Deno.stdout, text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
}

/**
 * Writes a result line to stdout. Once stdout is gone (`echoprobe ... | head -1`),
 * further results are dropped; once it failed, each write throws. Either way
 * {@linkcode stdoutClosed} aborts.
 *
 * @param line One line, without the newline.
 * @throws {OutputError} When stdout failed, for a reason other than being gone.
 */
export function writeResult(line: string): void {
  if (failure) throw failure;
  if (stdoutDone.signal.aborted) return;
  try {
    writeAllSync(Deno.stdout, `${line}\n`);
  } catch (error) {
    if (!isOutputGone(error)) failure = new OutputError(error);
    stdoutDone.abort();
    if (failure) throw failure;
  }
}

/**
 * Writes a result line from a callback the library calls from a timer (a load run's
 * intervals), where a throw would end the process: when stdout fails, the run stops
 * ({@linkcode stdoutClosed} aborts) and the run's next {@linkcode writeResult}, once
 * it is over, throws the failure.
 *
 * @param line One line, without the newline.
 */
export function writeResultInRun(line: string): void {
  try {
    writeResult(line);
  } catch (error) {
    if (!(error instanceof OutputError)) throw error;
    // Kept in `failure`: thrown again by the line after the run.
  }
}

/**
 * Whether a write failed because its output is gone for good: a pipe whose reader
 * exited (`BrokenPipe`: Deno ignores SIGPIPE), a socket reset, a hung-up terminal
 * (EIO), a closed stream. The one list, for these writers and cli/line_queue.ts.
 *
 * @param error What the write threw.
 * @returns `true` when nothing will ever be written there again.
 */
export function isOutputGone(error: unknown): boolean {
  return error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BadResource ||
    (error as { code?: unknown } | null)?.code === "EIO";
}

/**
 * Writes text (help, version) to stdout as it is.
 *
 * @param text The text, with its newlines.
 * @throws {OutputError} When stdout fails for a reason other than being gone.
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
  try {
    writeAllSync(Deno.stderr, `${line}\n`);
  } catch {
    // stderr is gone or failing (`2>/dev/full`): there is nowhere left to say so, and
    // the exit code still tells what happened.
  }
}
