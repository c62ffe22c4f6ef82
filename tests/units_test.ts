import assert from "node:assert/strict";
import { ValueError } from "../lib/errors.ts";
import {
  formatDuration,
  MAX_DURATION_MS,
  parseByteSize,
  parseDuration,
  parseInteger,
  parsePercent,
  parsePositive,
} from "../lib/units.ts";

Deno.test("parseDuration() reads ms, s, m and h, with decimals", () => {
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("1.5s"), 1_500);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration("1h"), 3_600_000);
});

Deno.test("parseDuration() rejects what is not a duration above zero, naming the value", () => {
  for (const text of ["abc", "", "30", "0s", "-1s", "1.s", "5 minutes", "1e3ms", "s"]) {
    assert.throws(
      () => parseDuration(text),
      (error) =>
        error instanceof ValueError && error.value === text &&
        error.message.startsWith(`Invalid value "${text}": expected a duration above zero`),
      text,
    );
  }
});

Deno.test("parseDuration() takes up to 596h, what the runtime's timers hold, and names it", () => {
  assert.equal(parseDuration("596h"), MAX_DURATION_MS);
  assert.ok(MAX_DURATION_MS <= 2 ** 31 - 1, "setTimeout's largest delay");
  assert.equal(parseDuration(`${MAX_DURATION_MS}ms`), MAX_DURATION_MS);
  for (const text of ["597h", "35761m", `${MAX_DURATION_MS + 1}ms`, "99999999999999999999h"]) {
    assert.throws(
      () => parseDuration(text),
      (error) =>
        error instanceof ValueError &&
        error.message ===
          `Invalid value "${text}": expected a duration above zero and at most 596h such as 500ms, 30s, 2m`,
      text,
    );
  }
});

Deno.test("formatDuration() gives back what parseDuration() reads", () => {
  for (const [ms, text] of [[30_000, "30s"], [250, "250ms"], [1_500, "1.5s"], [120_000, "2m"]]) {
    assert.equal(formatDuration(ms as number), text);
    assert.equal(parseDuration(text as string), ms);
  }
});

Deno.test("parseByteSize() reads bytes, KiB and MiB within bounds", () => {
  assert.equal(parseByteSize("250", 1 << 26), 250);
  assert.equal(parseByteSize("4KiB", 1 << 26), 4096);
  assert.equal(parseByteSize("16m", 1 << 26), 16 << 20);
  for (const text of ["0", "-5", "1.5k", "abc", "65MiB", "10GiB", ""]) {
    assert.throws(() => parseByteSize(text, 64 << 20), ValueError, text);
  }
});

Deno.test("parseInteger() accepts whole numbers within bounds only", () => {
  assert.equal(parseInteger("0", 0, 65535), 0);
  assert.equal(parseInteger("65535", 0, 65535), 65535);
  for (const text of ["70000", "-1", "1.5", "0x10", "", "ten"]) {
    assert.throws(
      () => parseInteger(text, 0, 65535),
      /^ValueError: Invalid value ".*": expected a whole number from 0 to 65535$/,
      text,
    );
  }
});

Deno.test("parsePercent() accepts 0 to 100 with decimals, nothing else", () => {
  assert.equal(parsePercent("0"), 0);
  assert.equal(parsePercent("2.5"), 2.5);
  assert.equal(parsePercent("100"), 100);
  for (const text of ["101", "-1", "1e1", "", "5%", " 5", "1."]) {
    assert.throws(
      () => parsePercent(text),
      /^ValueError: Invalid value ".*": expected a percentage from 0 to 100$/,
      text,
    );
  }
});

Deno.test("parsePositive() accepts numbers above zero and names what was expected", () => {
  assert.equal(parsePositive("0.5", "a rate above 0"), 0.5);
  assert.equal(parsePositive("20000", "a rate above 0"), 20_000);
  for (const text of ["0", "0.0", "-1", "fast", "", "1e3", "Infinity"]) {
    assert.throws(
      () => parsePositive(text, "probes per second above 0"),
      (error) =>
        error instanceof ValueError &&
        error.message === `Invalid value "${text}": expected probes per second above 0`,
      text,
    );
  }
});
