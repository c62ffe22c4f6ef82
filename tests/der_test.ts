/** lib/der.ts: the DER encodings at their edges, and PEM both ways. */
import assert from "node:assert/strict";
import { element, integer, objectId, pem, pemBlocks, sequence, time } from "../lib/der.ts";

Deno.test("element() writes lengths short up to 127, long from 128, in as few bytes as fit", () => {
  const head = (length: number) => Array.from(element(0x04, new Uint8Array(length)).subarray(0, 4));
  assert.deepEqual(head(127).slice(0, 2), [0x04, 127]);
  assert.deepEqual(head(128).slice(0, 3), [0x04, 0x81, 128]);
  assert.deepEqual(head(255).slice(0, 3), [0x04, 0x81, 255]);
  assert.deepEqual(head(256), [0x04, 0x82, 1, 0]);
  assert.deepEqual(head(70_000).slice(0, 4), [0x04, 0x83, 0x01, 0x11]);
  assert.equal(element(0x04, new Uint8Array(70_000)).length, 70_000 + 5);
});

Deno.test("integer() keeps one zero byte for zero and adds one where the top bit is set", () => {
  assert.deepEqual(integer(Uint8Array.of(0, 0)), Uint8Array.of(0x02, 1, 0));
  assert.deepEqual(integer(Uint8Array.of(0x7f)), Uint8Array.of(0x02, 1, 0x7f));
  assert.deepEqual(integer(Uint8Array.of(0xff, 1)), Uint8Array.of(0x02, 3, 0, 0xff, 1));
});

Deno.test("objectId() writes arcs of more than seven bits in base 128", () => {
  // ecdsa-with-SHA256, as openssl writes it
  assert.deepEqual(
    objectId("1.2.840.10045.4.3.2"),
    Uint8Array.of(0x06, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02),
  );
});

Deno.test("time() is UTCTime to 2049 and GeneralizedTime from 2050, to the second", () => {
  const tag = (date: string) => time(new Date(date))[0];
  assert.equal(tag("2049-12-31T23:59:59Z"), 0x17);
  assert.equal(tag("2050-01-01T00:00:00Z"), 0x18);
  assert.equal(tag("1950-01-01T00:00:00Z"), 0x17);
});

Deno.test("pem() and pemBlocks() are each other's inverse, block by block, over long content", () => {
  const long = sequence(new Uint8Array(1000).map((_, i) => i & 0xff));
  const text = pem("CERTIFICATE", long) + "junk between\n" + pem("PRIVATE KEY", Uint8Array.of(9));
  assert.ok(text.split("\n").every((line) => line.length <= 64), "lines of 64 at most");
  assert.deepEqual(pemBlocks(text, "CERTIFICATE"), [long]);
  assert.deepEqual(pemBlocks(text, "PRIVATE KEY"), [Uint8Array.of(9)]);
  assert.deepEqual(pemBlocks(text, "EC PRIVATE KEY"), []);
});
