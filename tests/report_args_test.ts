import assert from "node:assert/strict";
import { parseReportArgs } from "../report.ts";
import { assertUsageThrows } from "./helpers.ts";

Deno.test("parseReportArgs() takes --title and --help, and nothing else", () => {
  assert.deepEqual(parseReportArgs([]), { help: false, title: undefined });
  assert.deepEqual(parseReportArgs(["--title", "before & after"]), {
    help: false,
    title: "before & after",
  });
  assert.deepEqual(parseReportArgs(["-h"]), { help: true, title: undefined });
});

Deno.test("parseReportArgs() refuses a file name: the report reads standard input", () => {
  assertUsageThrows(
    () => parseReportArgs(["run.jsonl"]),
    /^Unexpected argument "run\.jsonl": the report reads standard input \(echoprobe report < FILE\)$/,
  );
  assertUsageThrows(() => parseReportArgs(["--width", "3"]), /^Unknown flag "--width"/);
  assertUsageThrows(() => parseReportArgs(["--title"]), /^Flag "--title" needs a value/);
});
