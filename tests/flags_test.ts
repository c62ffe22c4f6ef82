import assert from "node:assert/strict";
import { UsageError } from "../cli/exit.ts";
import {
  argumentValue,
  durationFlag,
  type FlagTable,
  flagValue,
  given,
  helpText,
  integerFlag,
  parseFlags,
  sizeFlag,
} from "../cli/flags.ts";
import { parseHostPort } from "../lib/address.ts";
import { parseInteger } from "../lib/units.ts";
import { assertUsageThrows } from "./helpers.ts";

const TABLE = {
  port: { type: "string", short: "p", value: "PORT", shows: "3005", help: "Listen on this port" },
  allow: { type: "string", multiple: true, value: "CIDR", help: "Accept only these" },
  json: { type: "boolean", help: "JSON lines" },
} as const satisfies FlagTable;

Deno.test("parseFlags() returns typed values, arrays for repeated flags, and positionals", () => {
  const { values, positionals } = parseFlags(
    "demo",
    TABLE,
    ["-p", "7", "--allow", "a", "--json", "host", "--allow=b"],
    true,
  );
  assert.deepEqual({ ...values }, { port: "7", allow: ["a", "b"], json: true });
  assert.deepEqual(positionals, ["host"]);
  const none = parseFlags("demo", TABLE, [], false);
  assert.deepEqual([none.values.port, none.values.allow, none.values.json], [
    undefined,
    undefined,
    undefined,
  ]);
});

Deno.test("parseFlags() names an unknown flag and points to --help", () => {
  assertUsageThrows(
    () => parseFlags("demo", TABLE, ["--bogus"], false),
    /^Unknown flag "--bogus" \(see "echoprobe demo --help"\)$/,
  );
  assertUsageThrows(
    () => parseFlags("demo", TABLE, ["-x"], false),
    /^Unknown flag "-x" \(see "echoprobe demo --help"\)$/,
  );
});

Deno.test("parseFlags() names a flag whose value is missing, by its long name", () => {
  for (const args of [["--port"], ["-p"], ["--port", "--json"]]) {
    assertUsageThrows(
      () => parseFlags("demo", TABLE, args, false),
      /^Flag "--port" needs a value \(see "echoprobe demo --help"\)$/,
    );
  }
});

Deno.test("parseFlags() names a switch given a value", () => {
  assertUsageThrows(
    () => parseFlags("demo", TABLE, ["--json=yes"], false),
    /^Flag "--json" takes no value \(see "echoprobe demo --help"\)$/,
  );
});

Deno.test("parseFlags() names an argument a subcommand does not take", () => {
  assertUsageThrows(
    () => parseFlags("demo", TABLE, ["-p", "1", "extra"], false),
    /^Unexpected argument "extra" \(see "echoprobe demo --help"\)$/,
  );
});

Deno.test("helpText() lists each flag with its short form, value and default, in a column, then the exit codes given", () => {
  assert.equal(
    helpText("demo [flags]", "Does a demo.", TABLE, ["demo -p 1"], "0 done, 2 usage error"),
    [
      "Usage: demo [flags]",
      "",
      "Does a demo.",
      "",
      "Flags:",
      "  -p, --port PORT   Listen on this port (default: 3005)",
      "      --allow CIDR  Accept only these",
      "      --json        JSON lines",
      "",
      "Examples:",
      "  demo -p 1",
      "",
      "Exit codes: 0 done, 2 usage error",
      "",
    ].join("\n"),
  );
});

Deno.test("given() leaves out the options not given, and keeps 0, false and empty text", () => {
  const options = given<{ a?: number; b?: boolean; c?: string; d?: number }>({
    a: 0,
    b: false,
    c: "",
    d: undefined,
  });
  assert.deepEqual(options, { a: 0, b: false, c: "" });
  assert.ok(!("d" in options));
});

Deno.test("flagValue() turns a ValueError into a usage error and passes other errors on", () => {
  assert.equal(flagValue("count", "3", (text) => parseInteger(text, 0, 9)), 3);
  assert.equal(flagValue("count", undefined, () => assert.fail("not called")), undefined);
  assertUsageThrows(
    () => flagValue("count", "10", (text) => parseInteger(text, 0, 9)),
    /^Invalid --count "10": expected a whole number from 0 to 9$/,
  );
  assert.throws(
    () =>
      flagValue("count", "3", () => {
        throw new TypeError("a bug, not a user's mistake");
      }),
    TypeError,
  );
});

Deno.test("argumentValue() gives a usage error with the parser's own message", () => {
  assert.deepEqual(argumentValue("[::1]:7", parseHostPort), { hostname: "::1", port: 7 });
  assertUsageThrows(
    () => argumentValue("host:0", parseHostPort),
    /^Invalid port "0": expected a whole number from 1 to 65535$/,
  );
});

Deno.test("durationFlag() names the flag when the value is not a duration above zero", () => {
  for (const text of ["abc", "", "30", "0s", "-1s", "1.s", "5 minutes", "1e3ms", "s"]) {
    assert.throws(
      () => durationFlag("timeout", text),
      (error) =>
        error instanceof UsageError && error.message.startsWith(`Invalid --timeout "${text}"`),
      text,
    );
  }
  assert.equal(durationFlag("timeout", "1.5s"), 1_500);
  assert.equal(durationFlag("timeout", undefined), undefined);
});

Deno.test("integerFlag() and sizeFlag() name the flag and the range allowed", () => {
  for (const text of ["70000", "-1", "1.5", "0x10", "", "ten"]) {
    assert.throws(
      () => integerFlag("port", text, 0, 65535),
      /^UsageError: Invalid --port ".*": expected a whole number from 0 to 65535$/,
      text,
    );
  }
  assert.equal(integerFlag("port", "0", 0, 65535), 0);
  assert.throws(
    () => sizeFlag("size", "65MiB", 64 << 20),
    /^UsageError: Invalid --size "65MiB": expected a size from 1 to 67108864 bytes/,
  );
  assert.equal(sizeFlag("size", "4KiB", 64 << 20), 4096);
});

Deno.test("parseFlags() reads a value that looks like a negative number as the flag's value", () => {
  for (const args of [["--port", "-1"], ["-p", "-1"], ["--port=-1"]]) {
    assert.equal(parseFlags("demo", TABLE, args, false).values.port, "-1", args.join(" "));
  }
  assert.equal(parseFlags("demo", TABLE, ["-p", "-.5"], false).values.port, "-.5");
  // Not a number: still a missing value, as before.
  assertUsageThrows(
    () => parseFlags("demo", TABLE, ["--port", "--json"], false),
    /^Flag "--port" needs a value/,
  );
  // After "--", everything is a positional.
  assert.deepEqual(parseFlags("demo", TABLE, ["--", "--port", "-1"], true).positionals, [
    "--port",
    "-1",
  ]);
});

Deno.test("parseFlags() refuses a value flag given twice; repeatable flags and switches repeat", () => {
  assertUsageThrows(
    () => parseFlags("demo", TABLE, ["-p", "1", "--port=2"], false),
    /^Flag "--port" given twice \("1", "2"\): give it once \(see "echoprobe demo --help"\)$/,
  );
  const { values } = parseFlags(
    "demo",
    TABLE,
    ["--allow", "a", "--allow", "b", "--json", "--json"],
    false,
  );
  assert.deepEqual({ ...values }, { allow: ["a", "b"], json: true });
});
