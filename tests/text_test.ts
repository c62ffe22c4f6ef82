import assert from "node:assert/strict";
import { formatErrors, formatMs, jsonMs, readFailure, red, roundMs } from "../cli/text.ts";

Deno.test("formatMs() shows three significant digits as ping does, whole above 100", () => {
  assert.equal(formatMs(0.21349), "0.213");
  assert.equal(formatMs(1.25), "1.25");
  assert.equal(formatMs(12.54), "12.5");
  assert.equal(formatMs(125.4), "125");
  assert.equal(formatMs(1234.5), "1235");
});

Deno.test("roundMs() rounds to microseconds; jsonMs() makes an unknown time null", () => {
  assert.equal(roundMs(0.1234567), 0.123);
  assert.equal(roundMs(2), 2);
  assert.equal(jsonMs(0.1236), 0.124);
  assert.equal(jsonMs(NaN), null);
  assert.equal(jsonMs(Infinity), null);
});

Deno.test("red() wraps text in ANSI red and reset", () => {
  assert.equal(red("100% loss"), "\x1b[31m100% loss\x1b[0m");
});

Deno.test("formatErrors() lists counts by code, or nothing", () => {
  assert.equal(formatErrors({ refused: 2, timeout: 1 }), "refused=2 timeout=1");
  assert.equal(formatErrors({}), "");
});

Deno.test("readFailure() says in words why a file could not be read, without the OS error number", async () => {
  const dir = new URL("./fixtures", import.meta.url).pathname;
  const failure = async (path: string) =>
    readFailure(await Deno.readFile(path).then(() => assert.fail(path), (error) => error));
  assert.equal(await failure(dir), "it is a directory, not a file");
  assert.equal(await failure(`${dir}/missing`), "no such file");
  assert.equal(
    readFailure(new Deno.errors.PermissionDenied("x (os error 13)")),
    "permission denied",
  );
  assert.equal(readFailure(new Error("Input/output error (os error 5)")), "Input/output error");
});
