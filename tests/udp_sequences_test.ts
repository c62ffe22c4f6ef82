/** The state ring of a UDP prober's sequence numbers: growth, then wrap-around. */
import assert from "node:assert/strict";
import { SEQ, SequenceStates } from "../lib/udp_sequences.ts";

Deno.test("SequenceStates keeps each number's state as it grows past its first size", () => {
  const states = new SequenceStates();
  for (let seq = 1; seq <= 5000; seq++) states.sent(seq);
  states.set(3, SEQ.answered);
  states.set(4000, SEQ.lost);
  assert.equal(states.get(3), SEQ.answered);
  assert.equal(states.get(4000), SEQ.lost);
  assert.equal(states.get(4999), SEQ.sent);
  assert.equal(states.highest, 5000);
});

Deno.test("SequenceStates forgets numbers more than 2^20 behind the highest sent", () => {
  const states = new SequenceStates();
  states.sent(1);
  states.set(1, SEQ.answered);
  states.sent(2 ** 20);
  assert.equal(states.get(1), SEQ.answered, "still within the ring");
  states.sent(2 ** 20 + 1);
  assert.equal(states.get(1), undefined, "wrapped: too old");
  assert.equal(states.get(2 ** 20 + 1), SEQ.sent, "its slot is the new number's");
  states.set(1, SEQ.late); // too old: ignored, the new number keeps its state
  assert.equal(states.get(2 ** 20 + 1), SEQ.sent);
});
