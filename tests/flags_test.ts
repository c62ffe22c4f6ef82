import assert from "node:assert/strict";
import { UsageError } from "../cli/exit.ts";
import { durationFlag, integerFlag, sizeFlag } from "../cli/flags.ts";

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
