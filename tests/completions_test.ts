/**
 * `echoprobe completions`: the scripts as each shell loads them, and every flag of
 * every flag table in each.
 */
import assert from "node:assert/strict";
import { CLIENT_FLAGS } from "../client.ts";
import { EXPORTER_FLAGS } from "../exporter.ts";
import { SERVER_FLAGS } from "../server.ts";
import { completionsCommand } from "../cli/completions.ts";
import type { FlagTable } from "../cli/flags.ts";
import {
  assertUsageError,
  assertUsageThrows,
  hasCommand,
  MAIN,
  runCli,
  shellQuote,
} from "./helpers.ts";

const TABLES: [string, FlagTable][] = [
  ["server", SERVER_FLAGS],
  ["client", CLIENT_FLAGS],
  ["exporter", EXPORTER_FLAGS],
];
const HAS_ZSH = hasCommand("zsh");
const HAS_FISH = hasCommand("fish");
for (const [shell, present] of [["zsh", HAS_ZSH], ["fish", HAS_FISH]] as const) {
  if (!present) {
    // deno-lint-ignore no-console -- a skipped test says why, where it is counted
    console.log(`skipped: ${shell} completions: no ${shell} here (apt-get install ${shell})`);
  }
}

/** The script `echoprobe completions SHELL` prints, as users load it. */
async function completionScript(shell: string): Promise<string> {
  const output = await runCli(["completions", shell]);
  assert.equal(output.code, 0, output.stderr);
  assert.equal(output.stderr, "");
  return output.stdout;
}

/** Runs `code` in `shell` with the script in $ECHOPROBE_COMPLETION and `args` as $@ / $argv. */
async function runShell(shell: string, code: string, script: string, args: string[] = []) {
  const output = await new Deno.Command(shell, {
    args: ["-c", code, ...(shell === "fish" ? [] : [shell]), ...args],
    env: { ECHOPROBE_COMPLETION: script },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Asserts that every flag of every table (long and short) is in `script`, by `spelling`. */
function assertEveryFlag(
  script: string,
  spelling: (command: string, name: string, short?: string) => RegExp[],
) {
  for (const [command, table] of TABLES) {
    for (const [name, flag] of Object.entries(table)) {
      for (const pattern of spelling(command, name, flag.short)) {
        assert.match(script, pattern, `${command} --${name}`);
      }
    }
  }
}

/** `--name` and `-s` as whole words. */
const dashed = (_command: string, name: string, short?: string) => [
  new RegExp(`(?<![\\w-])--${name}(?![\\w-])`),
  ...(short ? [new RegExp(`(?<![\\w-])-${short}(?![\\w-])`)] : []),
];

Deno.test("completions bash registers _echoprobe for echoprobe when sourced", async () => {
  const output = await new Deno.Command("bash", {
    args: [
      "-c",
      `source <(${shellQuote(Deno.execPath())} run --allow-net ${
        shellQuote(MAIN)
      } completions bash); complete -p echoprobe`,
    ],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.equal(new TextDecoder().decode(output.stdout), "complete -F _echoprobe echoprobe\n");
});

Deno.test("the bash completion completes subcommands, flags and flag values", async () => {
  const script = await completionScript("bash");
  // COMP_WORDS is the command line so far, the last word the one being completed.
  const complete = async (...words: string[]) => {
    const output = await runShell(
      "bash",
      'source <(printf "%s" "$ECHOPROBE_COMPLETION"); COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _echoprobe; printf "%s\\n" "${COMPREPLY[@]}"',
      script,
      words,
    );
    assert.equal(output.code, 0, output.stderr);
    assert.equal(output.stderr, "");
    return output.stdout.split("\n").filter((word) => word !== "");
  };
  assert.deepEqual(await complete("echoprobe", "server", "--l"), ["--log"]);
  assert.deepEqual(await complete("echoprobe", "server", "--log", ""), ["text", "json", "none"]);
  assert.deepEqual(await complete("echoprobe", "server", "--log", "j"), ["json"]);
  assert.deepEqual(await complete("echoprobe", "server", "--port", ""), [], "a value, no flags");
  assert.deepEqual(await complete("echoprobe", "cl"), ["client"]);
  assert.deepEqual(await complete("echoprobe", ""), [
    "server",
    "client",
    "report",
    "exporter",
    "completions",
    "help",
    "version",
    "--help",
    "--version",
  ]);
  assert.deepEqual(await complete("echoprobe", "completions", ""), ["bash", "zsh", "fish"]);
  assert.deepEqual(await complete("echoprobe", "report", "--t"), ["--title"]);
  assert.deepEqual(await complete("echoprobe", "client", "127.0.0.1", "--pay"), ["--payload"]);
  // A FILE value completes file names: the TLS flags' PEM files, the exporter's --ca.
  const file = new URL("../deno.js", import.meta.url).pathname;
  for (
    const words of [["client", "--ca"], ["server", "--tls-cert"], ["server", "--tls-key"], [
      "exporter",
      "--ca",
    ]]
  ) {
    assert.deepEqual(await complete("echoprobe", ...words, file), [`${file}on`], words.join(" "));
  }
  assert.deepEqual(
    (await complete("echoprobe", "client", "-")).sort(),
    Object.entries(CLIENT_FLAGS as FlagTable).flatMap(([name, flag]) =>
      flag.short ? [`--${name}`, `-${flag.short}`] : [`--${name}`]
    ).sort(),
  );
});

Deno.test("the bash completion holds every flag of every subcommand", async () => {
  assertEveryFlag(await completionScript("bash"), dashed);
});

Deno.test({
  name: "the zsh completion parses, registers with compdef, and holds every flag",
  ignore: !HAS_ZSH,
  async fn() {
    const script = await completionScript("zsh");
    const syntax = await runShell("zsh", 'zsh -n <<<"$ECHOPROBE_COMPLETION"', script);
    assert.equal(syntax.code, 0, syntax.stderr);
    assert.equal(syntax.stderr, "");
    // compinit -D: no dump file written to $HOME.
    const loaded = await runShell(
      "zsh",
      'autoload -U compinit && compinit -u -D && eval "$ECHOPROBE_COMPLETION" && print -r -- $_comps[echoprobe]',
      script,
    );
    assert.equal(loaded.stdout, "_echoprobe\n", loaded.stderr);
    assertEveryFlag(script, dashed);
    assert.match(script, /'--ca\[[^\]]*\]:FILE:_files'/, "a FILE value completes files");
    const broken = await runShell("zsh", 'zsh -n <<<"$ECHOPROBE_COMPLETION"', "if [[ x", []);
    assert.notEqual(broken.code, 0, "zsh -n finds a broken script (the check is live)");
  },
});

Deno.test({
  name: "the fish completion parses, completes flags and values, and holds every flag",
  ignore: !HAS_FISH,
  async fn() {
    const script = await completionScript("fish");
    const syntax = await runShell("fish", 'printf "%s" "$ECHOPROBE_COMPLETION" | fish -n', script);
    assert.equal(syntax.code, 0, syntax.stderr);
    assert.equal(syntax.stderr, "");
    const complete = async (line: string) => {
      const output = await runShell(
        "fish",
        'printf "%s" "$ECHOPROBE_COMPLETION" | source; complete -C $argv[1]',
        script,
        [line],
      );
      assert.equal(output.code, 0, output.stderr);
      return output.stdout.split("\n").filter((row) => row !== "").map((row) => row.split("\t")[0]);
    };
    assert.deepEqual(await complete("echoprobe server --l"), ["--log"]);
    assert.deepEqual((await complete("echoprobe server --log ")).sort(), ["json", "none", "text"]);
    assert.deepEqual(await complete("echoprobe cl"), ["client"]);
    const file = new URL("../deno.js", import.meta.url).pathname;
    assert.deepEqual(await complete(`echoprobe client --ca ${file}`), [`${file}on`]);
    // One `complete` line per flag, under its subcommand.
    assertEveryFlag(script, (command, name, short) => [
      new RegExp(
        `^complete -c echoprobe -n '__fish_seen_subcommand_from ${command}'${
          short ? ` -s ${short}` : ""
        } -l ${name}( |$)`,
        "m",
      ),
    ]);
    const broken = await runShell(
      "fish",
      'printf "%s" "$ECHOPROBE_COMPLETION" | fish -n',
      "if true",
    );
    assert.notEqual(broken.code, 0, "fish -n finds a broken script (the check is live)");
  },
});

Deno.test("completions for an unknown shell is one line and exit 2", async () => {
  assertUsageError(
    await runCli(["completions", "tcsh"]),
    /^echoprobe: Unknown shell "tcsh": expected bash, zsh or fish$/,
  );
});

Deno.test("completionsCommand() refuses a missing shell, an unknown one, and more words", () => {
  assertUsageThrows(
    () => completionsCommand([]),
    /^Missing shell: expected bash, zsh or fish \(see "echoprobe completions --help"\)$/,
  );
  assertUsageThrows(
    () => completionsCommand(["powershell"]),
    /^Unknown shell "powershell": expected bash, zsh or fish$/,
  );
  assertUsageThrows(() => completionsCommand(["bash", "extra"]), /^Unexpected argument "extra"$/);
});
