/** The verdict on a UDP reply: every byte, the header included, and the length. */
import assert from "node:assert/strict";
import { fillDatagram } from "../lib/udp_datagram.ts";
import { ReplyCheck } from "../lib/udp_verdict.ts";

const SIZE = 103; // not a multiple of 4: the last bytes are compared one by one
const PAYLOAD = { kind: "random" } as const;

function reply(check: ReplyCheck, seq: number, sentUs: number): Uint8Array {
  return fillDatagram(check.buffer.subarray(0, SIZE), { run: 77, seq, sentUs }, PAYLOAD, 5);
}

Deno.test("ReplyCheck takes the probe back as sent, and no other seq, run or send time", () => {
  const check = new ReplyCheck(SIZE, PAYLOAD, 5, 77);
  const echo = reply(check, 3, 1_000);
  assert.equal(check.matches(echo, 3, 1_000), true);
  assert.equal(check.matches(echo, 4, 1_000), false);
  assert.equal(check.matches(echo, 3, 1_001), false);
  assert.equal(new ReplyCheck(SIZE, PAYLOAD, 5, 78).matches(echo.slice(), 3, 1_000), false);
});

Deno.test("ReplyCheck finds a change in the last byte and names it", () => {
  const check = new ReplyCheck(SIZE, PAYLOAD, 5, 77);
  const echo = reply(check, 3, 1_000);
  const sent = echo[SIZE - 1]!;
  echo[SIZE - 1] = sent ^ 0x01;
  assert.equal(check.matches(echo, 3, 1_000), false);
  const problem = check.problem(echo, 3);
  assert.equal(problem.code, "mismatch");
  assert.deepEqual(
    [problem.details.offset, problem.details.expected, problem.details.actual],
    [SIZE - 1, sent, sent ^ 0x01],
  );
});

Deno.test("ReplyCheck calls a shorter reply short and a longer one a mismatch", () => {
  const check = new ReplyCheck(SIZE, PAYLOAD, 5, 77);
  reply(check, 3, 1_000);
  const short = check.buffer.subarray(0, SIZE - 3);
  assert.equal(check.matches(short, 3, 1_000), false);
  assert.equal(check.problem(short, 3).code, "short");
  const long = check.buffer.subarray(0, SIZE + 1);
  assert.equal(check.matches(long, 3, 1_000), false);
  assert.equal(check.problem(long, 3).message, `Reply of ${SIZE + 1} bytes, sent ${SIZE}`);
});
