import assert from "node:assert/strict";
import { AcceptErrorLog } from "../cli/accept_errors.ts";
import { waitFor } from "./helpers.ts";

const notConnected = () => new Deno.errors.NotConnected("Transport endpoint is not connected");
const tooMany = () => Object.assign(new Error("Too many open files"), { code: "EMFILE" });

Deno.test("AcceptErrorLog writes the first failure at once, then one line per window with the count", async () => {
  const lines: [string, number][] = [];
  using log = new AcceptErrorLog((error, count) => lines.push([error.message, count]), 50);
  for (let i = 0; i < 10_000; i++) log.record(notConnected());
  assert.deepEqual(lines, [["Transport endpoint is not connected", 1]]);
  await waitFor(() => lines.length === 2, "the window's line");
  assert.deepEqual(lines[1], ["Transport endpoint is not connected", 9_999]);
  log.record(notConnected()); // within the next window: counted, not written
  assert.equal(lines.length, 2);
  await waitFor(() => lines.length === 3, "the next window's line");
  assert.deepEqual(lines[2], ["Transport endpoint is not connected", 1]);
});

Deno.test("AcceptErrorLog counts each kind apart, and starts a quiet kind over", async () => {
  const lines: [string, number][] = [];
  using log = new AcceptErrorLog((error, count) => lines.push([error.message, count]), 30);
  log.record(notConnected());
  log.record(tooMany());
  log.record(tooMany());
  assert.deepEqual(lines, [["Transport endpoint is not connected", 1], ["Too many open files", 1]]);
  await waitFor(() => lines.length === 3, "the count of the second kind");
  assert.deepEqual(lines[2], ["Too many open files", 1]);
  // Two quiet windows: the kind starts over, and its next failure is written at once.
  const before = lines.length;
  await new Promise((resolve) => setTimeout(resolve, 100)); // measured time, not a sync point
  log.record(notConnected());
  assert.deepEqual(lines.slice(before), [["Transport endpoint is not connected", 1]]);
});

Deno.test("AcceptErrorLog.flush() writes the counts not written yet and stops its timers", () => {
  const lines: [string, number][] = [];
  const log = new AcceptErrorLog((error, count) => lines.push([error.message, count]));
  log.record(notConnected());
  log.record(notConnected());
  log.record(notConnected());
  log.flush();
  assert.deepEqual(lines, [
    ["Transport endpoint is not connected", 1],
    ["Transport endpoint is not connected", 2],
  ]);
  log.flush();
  assert.equal(lines.length, 2, "nothing twice");
});
