import assert from "node:assert/strict";
import { echoProblem } from "../lib/echo_problem.ts";
import { ProbeError } from "../lib/errors.ts";
import { echoMatches, extraError, mismatchError } from "../lib/verdict.ts";

/** `echoMatches()` over fresh copies of `payload`, the echo changed by `change`. */
function matches(payload: Uint8Array, change?: (echo: Uint8Array) => void): boolean {
  const echo = payload.slice();
  change?.(echo);
  const words = (bytes: Uint8Array) => new Uint32Array(bytes.buffer, 0, bytes.length >> 2);
  return echoMatches(payload, echo, words(payload), words(echo));
}

Deno.test("echoMatches() compares every byte, for lengths not divisible by 4", () => {
  for (const length of [1, 2, 3, 5, 6, 7, 9, 250, 1023]) {
    const payload = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff);
    assert.equal(matches(payload), true, `${length} bytes, unchanged`);
    assert.equal(matches(payload, (echo) => echo[length - 1]! ^= 1), false, `${length}, last`);
    assert.equal(matches(payload, (echo) => echo[0]! ^= 0x80), false, `${length}, first`);
    const middle = length >> 1;
    assert.equal(matches(payload, (echo) => echo[middle]! ^= 4), false, `${length}, middle`);
  }
});

Deno.test("echoMatches() of empty payloads is true", () => {
  assert.equal(matches(new Uint8Array(0)), true);
});

Deno.test("mismatchError() names the offset, both bytes in hex and the count", () => {
  const error = mismatchError({ offset: 0, expected: 0x05, actual: 0xff, differing: 3 }, 1024, {
    seq: 9,
  });
  assert.equal(error.code, "mismatch");
  assert.equal(
    error.message,
    "Echo mismatch at byte 0 (sent 0x05, got 0xff; 3 of 1024 bytes differ)",
  );
  assert.deepEqual(error.details, {
    seq: 9,
    size: 1024,
    bytesBack: 1024,
    offset: 0,
    expected: 0x05,
    actual: 0xff,
    differing: 3,
    phase: "echo",
  });
});

Deno.test("extraError() counts the bytes beyond those sent, singular for one", () => {
  const error = extraError(250, 5, { seq: 2 });
  assert.equal(error.code, "extra");
  assert.equal(error.message, "5 bytes more than sent came back (255/250 bytes back)");
  assert.deepEqual(error.details, {
    seq: 2,
    size: 250,
    bytesBack: 255,
    extraBytes: 5,
    phase: "echo",
  });
  assert.equal(
    extraError(250, 1, { seq: 1 }).message,
    "1 byte more than sent came back (251/250 bytes back)",
  );
});

Deno.test("the verdict errors carry where the probe was: host, address, port, local", () => {
  const where = {
    seq: 2,
    host: "localhost",
    address: "127.0.0.1",
    port: 3005,
    local: "127.0.0.1:40000",
  };
  const state = { bytesBack: 0, size: 250, signal: AbortSignal.abort(), timeoutMs: 200 };
  const errors = [
    echoProblem(state, where, undefined),
    mismatchError({ offset: 0, expected: 1, actual: 2, differing: 1 }, 250, where),
    extraError(250, 5, where),
  ];
  for (const error of errors) {
    const { host, address, port, local } = error.details;
    assert.deepEqual({ host, address, port, local }, {
      host: "localhost",
      address: "127.0.0.1",
      port: 3005,
      local: "127.0.0.1:40000",
    }, error.code);
  }
});

Deno.test("ProbeError fills in the phase of a code that has one, and keeps one given", () => {
  const phases = (["resolve", "refused", "tls", "short", "mismatch", "extra"] as const).map(
    (code) => new ProbeError(code, "x", { seq: 1 }).details.phase,
  );
  assert.deepEqual(phases, ["resolve", "connect", "tls", "echo", "echo", "echo"]);
  assert.equal(new ProbeError("timeout", "x", { seq: 1 }).details.phase, undefined, "which?");
  assert.equal(new ProbeError("reset", "x", { seq: 1, phase: "connect" }).details.phase, "connect");
});
