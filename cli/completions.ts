/**
 * `echoprobe completions bash|zsh|fish`: shell completion scripts made from the
 * same flag tables as `--help`, so a new flag completes as soon as it exists.
 *
 * @module
 */

import { CLIENT_FLAGS } from "../client.ts";
import { REPORT_FLAGS } from "../report.ts";
import { EXPORTER_FLAGS } from "../exporter.ts";
import { SERVER_FLAGS } from "../server.ts";
import { EXIT, UsageError } from "./exit.ts";
import type { FlagSpec, FlagTable } from "./flags.ts";
import { writeText } from "./output.ts";

/** A subcommand as completions see it. */
export interface CompletedCommand {
  /** What it does, one line. */
  about: string;
  /** Its flags, or none. */
  flags: FlagTable;
  /** What its positional argument is, if it takes one: `host` or `shell`. */
  positional?: "host" | "shell";
}

/** The subcommands and their flags, in the order `echoprobe --help` lists them. */
export const COMMANDS: Readonly<Record<string, CompletedCommand>> = {
  server: { about: "run an echo server", flags: SERVER_FLAGS },
  client: { about: "probe an echo server", flags: CLIENT_FLAGS, positional: "host" },
  report: { about: "turn client --json lines into an HTML page", flags: REPORT_FLAGS },
  exporter: { about: "probe echo servers for Prometheus", flags: EXPORTER_FLAGS },
  completions: { about: "print a shell completion script", flags: {}, positional: "shell" },
  help: { about: "show the help", flags: {} },
  version: { about: "show the version", flags: {} },
};

/** The shells completions are made for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/**
 * Runs `echoprobe completions SHELL`.
 *
 * @param args The arguments after `completions`.
 * @returns The exit code.
 * @throws {UsageError} For a missing or unknown shell.
 */
export function completionsCommand(args: string[]): number {
  const [shell, ...rest] = args;
  if (shell === "--help" || shell === "-h") {
    writeText(
      [
        "Usage: echoprobe completions bash|zsh|fish",
        "",
        "Prints a completion script for the shell. Load it with:",
        "  bash: source <(echoprobe completions bash)      (in ~/.bashrc)",
        "  zsh:  source <(echoprobe completions zsh)       (in ~/.zshrc, after compinit)",
        "  fish: echoprobe completions fish > ~/.config/fish/completions/echoprobe.fish",
        "",
      ].join("\n"),
    );
    return EXIT.ok;
  }
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}"`);
  switch (shell) {
    case "bash":
      writeText(bashScript());
      return EXIT.ok;
    case "zsh":
      writeText(zshScript());
      return EXIT.ok;
    case "fish":
      writeText(fishScript());
      return EXIT.ok;
    default:
      throw new UsageError(
        shell === undefined
          ? 'Missing shell: expected bash, zsh or fish (see "echoprobe completions --help")'
          : `Unknown shell "${shell}": expected bash, zsh or fish`,
      );
  }
}

/** Whether a flag's value is a file name (`--ca FILE`): the shells complete file names. */
function takesFile(flag: FlagSpec): boolean {
  return flag.value === "FILE";
}

/** Every spelling of a flag: `--port`, and `-p` where it has one. */
function spellings(name: string, flag: FlagSpec): string[] {
  return flag.short ? [`--${name}`, `-${flag.short}`] : [`--${name}`];
}

/** A shell word in single quotes. */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The bash script: completes subcommands, each one's flags, and the values of
 * flags with fixed choices.
 *
 * @returns The script.
 */
export function bashScript(): string {
  const cases = Object.entries(COMMANDS).map(([command, { flags, positional }]) => {
    const entries = Object.entries(flags);
    const words = entries.flatMap(([name, flag]) => spellings(name, flag)).join(" ");
    const valueCases = entries.filter(([, flag]) => flag.type === "string").map(
      ([name, flag]) =>
        `        ${spellings(name, flag).join("|")}) COMPREPLY=($(${
          takesFile(flag) ? "compgen -f" : `compgen -W ${quote((flag.choices ?? []).join(" "))}`
        } -- "$cur")); return ;;`,
    );
    const positionals = positional === "shell"
      ? `COMPREPLY=($(compgen -W ${quote(SHELLS.join(" "))} -- "$cur"))`
      : positional === "host"
      ? `COMPREPLY=($(compgen -A hostname -- "$cur"))`
      : "COMPREPLY=()";
    return [
      `    ${command})`,
      ...(valueCases.length ? ['      case "$prev" in', ...valueCases, "      esac"] : []),
      `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W ${quote(words)} -- "$cur"))`,
      `      else ${positionals}; fi ;;`,
    ].join("\n");
  });
  return [
    "# echoprobe completions for bash: source <(echoprobe completions bash)",
    "_echoprobe() {",
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
    "  if [[ $COMP_CWORD -eq 1 ]]; then",
    `    COMPREPLY=($(compgen -W ${
      quote([...Object.keys(COMMANDS), "--help", "--version"].join(" "))
    } -- "$cur"))`,
    "    return",
    "  fi",
    '  case "${COMP_WORDS[1]}" in',
    ...cases,
    "  esac",
    "}",
    "complete -F _echoprobe echoprobe",
    "",
  ].join("\n");
}

/** Text for a zsh `_arguments` description: brackets and colons escaped. */
function zshDescription(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("[", "\\[").replaceAll("]", "\\]")
    .replaceAll(":", "\\:");
}

/**
 * The zsh script: subcommands with descriptions, `_arguments` specs per subcommand.
 *
 * @returns The script.
 */
export function zshScript(): string {
  const commands = Object.entries(COMMANDS).map(([command, { about }]) =>
    quote(`${command}:${about}`)
  );
  const cases = Object.entries(COMMANDS).map(([command, { flags, positional }]) => {
    const specs = Object.entries(flags).map(([name, flag]) => {
      const action = takesFile(flag)
        ? "_files"
        : flag.choices
        ? `(${flag.choices.join(" ")})`
        : " ";
      const value = flag.type === "string" ? `:${flag.value ?? "VALUE"}:${action}` : "";
      const description = `[${zshDescription(flag.help)}]`;
      const repeat = flag.multiple ? "*" : "";
      if (!flag.short) return quote(`${repeat}--${name}${description}${value}`);
      const exclusive = flag.multiple ? "" : `(-${flag.short} --${name})`;
      return `${quote(`${exclusive}${repeat}`)}{-${flag.short},--${name}}${
        quote(`${description}${value}`)
      }`;
    });
    if (positional === "host") specs.push(quote(":host:_hosts"));
    if (positional === "shell") specs.push(quote(`:shell:(${SHELLS.join(" ")})`));
    return [`    ${command})`, `      _arguments -s ${specs.join(" \\\n        ")} ;;`].join("\n");
  });
  return [
    "#compdef echoprobe",
    "# echoprobe completions for zsh: source <(echoprobe completions zsh), after compinit",
    "_echoprobe() {",
    `  local -a commands=(${commands.join(" ")})`,
    "  if (( CURRENT == 2 )); then",
    "    _describe -t commands 'echoprobe command' commands",
    "    return",
    "  fi",
    "  local command=$words[2]",
    "  shift words",
    "  (( CURRENT-- ))",
    "  case $command in",
    ...cases,
    "  esac",
    "}",
    "compdef _echoprobe echoprobe",
    "",
  ].join("\n");
}

/**
 * The fish script: one `complete` line per subcommand and per flag.
 *
 * @returns The script.
 */
export function fishScript(): string {
  const lines = [
    "# echoprobe completions for fish: echoprobe completions fish > ~/.config/fish/completions/echoprobe.fish",
    "complete -c echoprobe -f",
  ];
  for (const [command, { about, flags, positional }] of Object.entries(COMMANDS)) {
    lines.push(
      `complete -c echoprobe -n __fish_use_subcommand -a ${command} -d ${quote(about)}`,
    );
    const when = `-n ${quote(`__fish_seen_subcommand_from ${command}`)}`;
    for (const [name, flag] of Object.entries(flags)) {
      const short = flag.short ? ` -s ${flag.short}` : "";
      // -x: a value and no file names; -r -F: a value, file names completed.
      const value = flag.type === "string"
        ? flag.choices
          ? ` -x -a ${quote(flag.choices.join(" "))}`
          : takesFile(flag)
          ? " -r -F"
          : " -x"
        : "";
      lines.push(`complete -c echoprobe ${when}${short} -l ${name}${value} -d ${quote(flag.help)}`);
    }
    if (positional === "host") {
      lines.push(`complete -c echoprobe ${when} -a '(__fish_print_hostnames)'`);
    }
    if (positional === "shell") {
      lines.push(`complete -c echoprobe ${when} -a ${quote(SHELLS.join(" "))}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
