/**
 * Flag tables: one literal table per subcommand gives `node:util` `parseArgs` its
 * options (so values come back typed), `--help` its rows and the shell completions
 * their words. Value readers here name the flag in a usage error.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ValueError } from "../lib/errors.ts";
import { parseByteSize, parseDuration, parseInteger } from "../lib/units.ts";
import { UsageError } from "./exit.ts";

/** One flag of a subcommand: how it parses, and how `--help` and completions show it. */
export interface FlagSpec {
  /** A boolean switch, or a flag that takes a value. */
  readonly type: "boolean" | "string";
  /** One-letter alias. */
  readonly short?: string;
  /** May be given more than once; the values come as an array. */
  readonly multiple?: boolean;
  /** What the value is, in `--help`: `DURATION`, `PORT`. */
  readonly value?: string;
  /** The default, as `--help` shows it (the library applies it; parsing does not). */
  readonly shows?: string;
  /** The words the value may be, for completions. */
  readonly choices?: readonly string[];
  /** One line of what it does. */
  readonly help: string;
}

/** A subcommand's flags, by long name (without the dashes). */
export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** What {@linkcode parseFlags} gives for a table: typed values and the positionals. */
export type ParsedFlags<T extends FlagTable> = ReturnType<typeof parseFlags<T>>;

/**
 * Parses `args` against a flag table with `node:util` `parseArgs`. The values are
 * typed from the table: strings or booleans, arrays for `multiple`, `undefined`
 * when not given.
 *
 * A value that looks like a negative number (`--port -1`, `--grace -1s`) is the flag's
 * value, to be refused by its reader as out of range, not a missing one. A flag that
 * takes a value may be given once, unless it is `multiple` (`--allow`): the last of two
 * would silently win. A switch given twice means the same as once.
 *
 * @param command The subcommand, for error messages.
 * @param table The subcommand's flags.
 * @param args The arguments after the subcommand.
 * @param allowPositionals Whether positional arguments are allowed.
 * @returns The values and the positionals.
 * @throws {UsageError} For an unknown flag, a missing value, a value flag given twice
 *   or an unexpected argument.
 */
export function parseFlags<const T extends FlagTable>(
  command: string,
  table: T,
  args: string[],
  allowPositionals: boolean,
) {
  const see = ` (see "echoprobe ${command} --help")`;
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(table, args),
      options: table,
      allowPositionals,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    throw new UsageError(`${parseErrorMessage(error)}${see}`);
  }
  const seen = new Map<string, string | undefined>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option") continue;
    const spec = table[token.name];
    if (spec?.type !== "string" || spec.multiple) continue;
    if (seen.has(token.name)) {
      throw new UsageError(
        `Flag "--${token.name}" given twice ("${
          seen.get(token.name)
        }", "${token.value}"): give it once${see}`,
      );
    }
    seen.set(token.name, token.value);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** `--port -1` as `--port=-1`: the value of a flag that takes one, though it starts with "-". */
function joinNegativeValues(table: FlagTable, args: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      joined.push(...args.slice(i));
      break;
    }
    const name = arg.startsWith("--")
      ? arg.slice(2)
      : /^-\w$/.test(arg)
      ? Object.keys(table).find((long) => table[long]!.short === arg.slice(1))
      : undefined;
    const next = args[i + 1];
    if (name && table[name]?.type === "string" && next !== undefined && /^-\.?\d/.test(next)) {
      joined.push(`--${name}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
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
 * Reads a flag's value with a library parser; a {@linkcode ValueError} becomes a
 * usage error naming the flag: `Invalid --port "70000": expected ...`.
 *
 * @param name The flag's long name.
 * @param text The value given, or `undefined` when the flag was not given.
 * @param parse The parser.
 * @returns The parsed value, or `undefined` when the flag was not given.
 * @throws {UsageError} When the parser refuses the value.
 */
export function flagValue<V>(
  name: string,
  text: string | undefined,
  parse: (text: string) => V,
): V | undefined {
  if (text === undefined) return undefined;
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    throw new UsageError(`Invalid --${name} "${text}": expected ${error.expected}`);
  }
}

/**
 * Reads a positional argument with a library parser; a {@linkcode ValueError} becomes
 * a usage error with the parser's message (`Invalid host "..."`).
 *
 * @param text The argument.
 * @param parse The parser.
 * @returns The parsed value.
 * @throws {UsageError} When the parser refuses the argument.
 */
export function argumentValue<V>(text: string, parse: (text: string) => V): V {
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    throw new UsageError(error.message);
  }
}

/**
 * A duration flag (`500ms`, `30s`, `2m`) in milliseconds.
 *
 * @param name The flag's long name.
 * @param text The value given, if any.
 * @returns Milliseconds, or `undefined` when not given.
 * @throws {UsageError} When it is not a duration above zero.
 */
export function durationFlag(name: string, text: string | undefined): number | undefined {
  return flagValue(name, text, parseDuration);
}

/**
 * A whole-number flag within bounds.
 *
 * @param name The flag's long name.
 * @param text The value given, if any.
 * @param min The smallest value allowed.
 * @param max The largest value allowed.
 * @returns The number, or `undefined` when not given.
 * @throws {UsageError} When it is not a whole number from `min` to `max`.
 */
export function integerFlag(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined {
  return flagValue(name, text, (value) => parseInteger(value, min, max));
}

/**
 * A byte-size flag (`250`, `4KiB`, `16MiB`).
 *
 * @param name The flag's long name.
 * @param text The value given, if any.
 * @param max The largest size allowed.
 * @returns Bytes, or `undefined` when not given.
 * @throws {UsageError} When it is not a size from 1 to `max`.
 */
export function sizeFlag(name: string, text: string | undefined, max: number): number | undefined {
  return flagValue(name, text, (value) => parseByteSize(value, max));
}

/** Options as flags give them: any of them may be `undefined` (not given). */
export type Given<T> = { [K in keyof T]?: T[K] | undefined };

/**
 * The options the flags set, with those not given left out (not set to
 * `undefined`), so the library applies its defaults to them.
 *
 * @param options Options, some `undefined`.
 * @returns The same options without the `undefined` ones.
 */
export function given<T extends object>(options: Given<T>): T {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as T;
}

/**
 * Builds the `--help` text of a subcommand from its flag table.
 *
 * @param usage The usage line, after `Usage: `.
 * @param about What the subcommand does, one paragraph.
 * @param table The subcommand's flags.
 * @param examples Example command lines.
 * @param exitCodes The subcommand's own exit codes, after `Exit codes: `.
 * @returns The help text, ending in a newline.
 */
export function helpText(
  usage: string,
  about: string,
  table: FlagTable,
  examples: readonly string[],
  exitCodes: string,
): string {
  const flags = Object.entries(table);
  const left = flags.map(([name, flag]) =>
    `${flag.short ? `-${flag.short}, ` : "    "}--${name}${flag.value ? ` ${flag.value}` : ""}`
  );
  const width = Math.max(...left.map((text) => text.length)) + 2;
  const rows = flags.map(([, flag], i) =>
    `  ${left[i]!.padEnd(width)}${flag.help}${
      flag.shows === undefined ? "" : ` (default: ${flag.shows})`
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
    `Exit codes: ${exitCodes}`,
    "",
  ].join("\n");
}
