import assert from "node:assert/strict";
import { compare, fillPayload, parsePayload } from "../lib/payload.ts";

Deno.test("the random payload is reproduced by its seed and differs per probe and seed", () => {
  const fill = (seed: number, seq: number) =>
    fillPayload(new Uint8Array(250), { kind: "random" }, seed, seq);
  assert.deepEqual(fill(42, 1), fill(42, 1));
  assert.notDeepEqual(fill(42, 1), fill(42, 2));
  assert.notDeepEqual(fill(42, 1), fill(43, 1));
  const bytes = fill(42, 1);
  assert.ok(new Set(bytes).size > 100, "bytes spread over the range");
});

Deno.test("parsePayload() and fillPayload() give zeros, ascii and repeated hex", () => {
  const fill = (text: string, size = 8) =>
    fillPayload(new Uint8Array(size), parsePayload(text), 0, 1);
  assert.deepEqual(fill("zeros"), new Uint8Array(8));
  assert.equal(new TextDecoder().decode(fill("ascii", 4)), ' !"#');
  assert.equal(fill("ascii", 200)[95], 0x20, "ascii wraps after the 95 printable bytes");
  assert.deepEqual(fill("hex:DEADbeef", 6), Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0xde, 0xad));
});

Deno.test("compare() finds the first differing byte and counts all of them", () => {
  assert.equal(compare(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3)), undefined);
  assert.deepEqual(compare(Uint8Array.of(1, 2, 3, 4), Uint8Array.of(1, 9, 3, 0)), {
    offset: 1,
    expected: 2,
    actual: 9,
    differing: 2,
  });
});
