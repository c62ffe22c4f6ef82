import assert from "node:assert/strict";
import { assertUsageError, runCli, runCliWithInput } from "./helpers.ts";
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
      /^echoprobe: No probe results in 1 lines on standard input: /,
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

Deno.test("CLI: report --help shows its flags; a file name is a usage error", async () => {
  const help = await runCli(["report", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: echoprobe report \[flags\] < LINES > PAGE\.html\n/);
  assert.match(help.stdout, /--title TEXT/);
  assertUsageError(await runCli(["report", "run.jsonl"]), /reads standard input/);
  const top = await runCli(["--help"]);
  assert.match(top.stdout, /echoprobe report \[flags\] < LINES/);
});
