/**
 * What the subcommands share: flag tables that give both the parser and the
 * help text, the one place that writes to stdout and stderr, and the one place
 * that maps errors to a message and an exit code.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { EchoError, UsageError } from "./lib/errors.ts";
import { parseDuration } from "./lib/units.ts";

/** Exit codes: see the README. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  cannotStart: 3,
  interrupted: 130,
} as const;

/**
 * The permissions echoprobe needs: the tasks and the compiled binary grant these and no
 * more (tests/compile_test.ts holds them to it). Reading a payload file asks for more
 * only when `--payload @FILE` names one.
 */
export const REQUIRED_PERMISSIONS = ["net"] as const;

/**
 * Checks at start-up that the permissions echoprobe needs were granted.
 *
 * @throws {EchoError} Code `permission`, naming the flag that grants what is missing.
 */
export function checkPermissions(): void {
  for (const name of REQUIRED_PERMISSIONS) {
    if (Deno.permissions.querySync({ name }).state !== "granted") {
      throw new EchoError(
        "permission",
        `Missing ${name} permission: run with --allow-${name} (deno run --allow-${name} main.ts ...)`,
      );
    }
  }
}

/** One flag of a subcommand: how it parses and how `--help` shows it. */
export interface Flag {
  /** Long name, without the dashes. */
  name: string;
  /** One-letter alias. */
  short?: string;
  /** A boolean switch, or a flag that takes a value. */
  type: "boolean" | "string";
  /** May be given more than once; the values come as an array. */
  multiple?: boolean;
  /** What the value is, in `--help`: `DURATION`, `PORT`. */
  value?: string;
  /** The default, as shown in `--help`. */
  default?: string;
  /** One line of what it does. */
  help: string;
}

/** Flags and positional arguments, as parsed. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * The value of a flag that takes one, or `undefined` when it was not given.
 *
 * @param values The parsed flags.
 * @param name The flag's long name.
 * @returns The text given.
 */
export function flagText(values: Parsed["values"], name: string): string | undefined {
  return values[name] as string | undefined;
}

/**
 * The value of a duration flag in milliseconds, or `undefined` when it was not given.
 *
 * @param values The parsed flags.
 * @param name The flag's long name.
 * @returns Milliseconds.
 * @throws {UsageError} When the value is not a duration.
 */
export function flagDuration(values: Parsed["values"], name: string): number | undefined {
  const text = flagText(values, name);
  return text === undefined ? undefined : parseDuration(text, `--${name}`);
}

/**
 * Parses `args` against a flag table with `node:util` `parseArgs`.
 *
 * @param args The arguments after the subcommand.
 * @param flags The subcommand's flags.
 * @param command The subcommand, for error messages.
 * @param positionals Whether positional arguments are allowed.
 * @returns The values (strings, booleans, or undefined when not given) and positionals.
 * @throws {UsageError} For an unknown flag, a missing value or an unexpected argument.
 */
export function parseFlags(
  args: string[],
  flags: readonly Flag[],
  command: string,
  positionals: boolean,
): Parsed {
  const options: Record<
    string,
    { type: "boolean" | "string"; short?: string; multiple?: boolean }
  > = {};
  for (const flag of flags) {
    options[flag.name] = {
      type: flag.type,
      ...(flag.short ? { short: flag.short } : {}),
      ...(flag.multiple ? { multiple: true } : {}),
    };
  }
  try {
    const parsed = parseArgs({ args, options, allowPositionals: positionals, strict: true });
    return {
      values: parsed.values as Parsed["values"],
      positionals: parsed.positionals,
    };
  } catch (error) {
    throw new UsageError(`${parseErrorMessage(error)} (see "echoprobe ${command} --help")`);
  }
}

function parseErrorMessage(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message;
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? "";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `Unknown flag "${quoted}"`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const flag = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
      return message.includes("does not take")
        ? `Flag "${flag}" takes no value`
        : `Flag "${flag}" needs a value`;
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `Unexpected argument "${quoted}"`;
    default:
      throw error;
  }
}

/**
 * Builds the `--help` text of a subcommand from its flag table.
 *
 * @param usage The usage line, after `Usage: `.
 * @param about What the subcommand does, one paragraph.
 * @param flags The subcommand's flags.
 * @param examples Example command lines.
 * @returns The help text, ending in a newline.
 */
export function helpText(
  usage: string,
  about: string,
  flags: readonly Flag[],
  examples: readonly string[],
): string {
  const left = flags.map((flag) =>
    `${flag.short ? `-${flag.short}, ` : "    "}--${flag.name}${flag.value ? ` ${flag.value}` : ""}`
  );
  const width = Math.max(...left.map((text) => text.length)) + 2;
  const rows = flags.map((flag, i) =>
    `  ${left[i]!.padEnd(width)}${flag.help}${
      flag.default === undefined ? "" : ` (default: ${flag.default})`
    }`
  );
  return [
    `Usage: ${usage}`,
    "",
    about,
    "",
    "Flags:",
    ...rows,
    "",
    "Examples:",
    ...examples.map((example) => `  ${example}`),
    "",
    "Exit codes: 0 ok, 1 a check failed, 2 usage error, 3 could not start, 130 interrupted",
    "",
  ].join("\n");
}

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

/**
 * The one place that turns an error into a message on stderr and an exit code.
 *
 * @param error What a subcommand threw.
 * @returns The exit code: 2 usage, 3 could not start, 1 anything else.
 */
export function reportError(error: unknown): number {
  if (error instanceof UsageError) {
    writeLog(`echoprobe: ${error.message}`);
    return EXIT.usage;
  }
  if (error instanceof EchoError) {
    writeLog(`echoprobe: ${error.message}`);
    return error.code === "listen" || error.code === "permission" ? EXIT.cannotStart : EXIT.failed;
  }
  if (error instanceof Deno.errors.NotCapable) {
    writeLog(`echoprobe: Missing permission: ${(error as Error).message}`);
    return EXIT.cannotStart;
  }
  writeLog(`echoprobe: Unexpected error: ${error instanceof Error ? error.message : error}`);
  return EXIT.failed;
}
