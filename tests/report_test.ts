import assert from "node:assert/strict";
import {
  assertUsageError,
  hasDevFull,
  MAIN,
  runCli,
  runCliWithInput,
  shellQuote,
} from "./helpers.ts";
import { pingRunLines } from "./report_fixture.ts";

const lines = (count: number) => [...pingRunLines({ count })].join("\n") + "\n";

Deno.test("CLI: report turns client --json lines into one HTML page, with no permission", async () => {
  const output = await runCliWithInput(["report", "--title", "nightly check"], lines(300));
  assert.equal(output.code, 0, output.stderr);
  assert.equal(output.stderr, "");
  assert.match(output.stdout, /^<!DOCTYPE html>\n<html lang="en">/);
  assert.match(output.stdout, /<title>nightly check<\/title>/);
  assert.match(output.stdout, /<\/html>\n$/);
});

Deno.test("CLI: report of input with nothing to draw is one line and exit 2", async (t) => {
  const cases: [string, string, RegExp][] = [
    [
      "empty input",
      "",
      /^echoprobe: Nothing on standard input: pipe in "echoprobe client --json" output$/,
    ],
    [
      "text",
      "PING 10.0.0.7\nok\n",
      /^echoprobe: No JSON on standard input \(line 1 is not JSON\): /,
    ],
    [
      "server lines",
      '{"event":"listening","host":"0.0.0.0","port":3005}\n',
      /^echoprobe: No probe results in 1 line on standard input: /,
    ],
    [
      "two server lines",
      '{"event":"listening","host":"0.0.0.0","port":3005}\n{"event":"stopping"}\n',
      /^echoprobe: No probe results in 2 lines on standard input: /,
    ],
    [
      "JSON that is not objects",
      "[1,2]\nnull\nnot json\n",
      /^echoprobe: No JSON objects on standard input \(line 1 is JSON, but not an object\): /,
    ],
  ];
  for (const [name, input, pattern] of cases) {
    await t.step(name, async () => {
      assertUsageError(await runCliWithInput(["report"], input), pattern);
    });
  }
});

Deno.test("CLI: report passes over lines that are not JSON, says so on stderr, draws the rest", async () => {
  const input = `garbage\n${lines(20)}{"type":"probe","seq":21,"timesta`;
  const output = await runCliWithInput(["report"], input);
  assert.equal(output.code, 0);
  assert.equal(
    output.stderr,
    "echoprobe: Passed over 2 lines that are not JSON (the first: line 1)\n",
  );
  assert.match(output.stdout, /Passed over: 2 lines that are not JSON \(the first: line 1\)\./);
  assert.equal(output.stdout.match(/<circle class="pt r0"/g)?.length, 20, "every probe drawn");
});

Deno.test("CLI: report counts JSON that is not an object apart from what is not JSON, in the singular for one", async () => {
  const input = `[1,2]\n${lines(20)}{"type":"weird"}\noops\n`;
  const output = await runCliWithInput(["report"], input);
  assert.equal(output.code, 0);
  assert.equal(
    output.stderr,
    "echoprobe: Passed over 1 line that is not JSON (line 24)\n" +
      "echoprobe: Passed over 1 line of JSON that is not an object (line 1)\n",
  );
  assert.match(
    output.stdout,
    /Passed over: 1 line that is not JSON \(line 24\); 1 line of JSON that is not an object \(line 1\); 1 object of a type the report does not draw \(weird ×1\)\./,
  );
});

/** Runs `main.ts report` through sh, its standard streams as `redirects` sets them. */
async function reportThroughShell(redirects: string, input = "") {
  const child = new Deno.Command("sh", {
    args: ["-c", `exec "$0" run "$1" report ${redirects}`, Deno.execPath(), MAIN],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  // A child that does not read its stdin (< DIR) closes the pipe: the write may fail.
  const written = writer.write(new TextEncoder().encode(input)).then(() => writer.close())
    .catch((error) => {
      if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    });
  const [output] = await Promise.all([child.output(), written]);
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("CLI: report < DIR is a usage error saying standard input cannot be read", async () => {
  const directory = new URL(".", import.meta.url).pathname;
  const output = await reportThroughShell(`< ${shellQuote(directory)}`);
  assertUsageError(
    output,
    /^echoprobe: Cannot read standard input: it is a directory, not a file$/,
  );
});

Deno.test({
  name: "CLI: report > /dev/full is one line and exit 3, not an unexpected error",
  ignore: !hasDevFull(),
  fn: async () => {
    const output = await reportThroughShell("> /dev/full", lines(20));
    assert.equal(output.code, 3);
    assert.equal(
      output.stderr,
      "echoprobe: Cannot write to standard output: no space left on device\n",
    );
  },
});

Deno.test("CLI: report --help shows its flags; a file name is a usage error", async () => {
  const help = await runCli(["report", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: echoprobe report \[flags\] < LINES > PAGE\.html\n/);
  assert.match(help.stdout, /--title TEXT/);
  assertUsageError(await runCli(["report", "run.jsonl"]), /reads standard input/);
  const top = await runCli(["--help"]);
  assert.match(top.stdout, /echoprobe report \[flags\] < LINES/);
});
