/**
 * The bytes a probe sends, and how an echo differs from them.
 *
 * @module
 */

import { ValueError } from "./errors.ts";

/**
 * Fills `buffer` with pseudo-random bytes (xorshift32) seeded by `seed`.
 *
 * @param buffer The bytes to fill.
 * @param seed Any whole number; the same seed gives the same bytes.
 * @returns `buffer`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fillPattern } from "./payload.ts";
 *
 * const one = fillPattern(new Uint8Array(250), 1);
 * assert.deepEqual(fillPattern(new Uint8Array(250), 1), one);
 * assert.notDeepEqual(fillPattern(new Uint8Array(250), 2), one);
 * ```
 */
export function fillPattern(buffer: Uint8Array, seed: number): Uint8Array {
  let state = (seed ^ 0x9e3779b9) >>> 0 || 1;
  // Four bytes from each step: the load client fills a payload per probe.
  for (let i = 0; i < buffer.length; i += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    buffer[i] = state;
    buffer[i + 1] = state >>> 8;
    buffer[i + 2] = state >>> 16;
    buffer[i + 3] = state >>> 24;
  }
  return buffer;
}

/** What a probe sends: see {@linkcode parsePayload}. */
export type PayloadSpec =
  | { kind: "random" }
  | { kind: "zeros" }
  | { kind: "ascii" }
  | { kind: "bytes"; bytes: Uint8Array };

/**
 * Parses a payload's name: `random`, `zeros`, `ascii` or `hex:DEADBEEF`. (The bytes
 * of a file are read by the caller, which has the permission, and given as
 * `{ kind: "bytes" }`.)
 *
 * @param text The name.
 * @returns The payload spec.
 * @throws {ValueError} For another word or bad hex.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePayload } from "./payload.ts";
 *
 * assert.deepEqual(parsePayload("hex:DEADBEEF"), {
 *   kind: "bytes",
 *   bytes: Uint8Array.of(0xde, 0xad, 0xbe, 0xef),
 * });
 * assert.deepEqual(parsePayload("zeros"), { kind: "zeros" });
 * ```
 */
export function parsePayload(text: string): PayloadSpec {
  if (text === "random" || text === "zeros" || text === "ascii") return { kind: text };
  const hex = /^hex:((?:[0-9a-fA-F]{2})+)$/.exec(text)?.[1];
  if (hex) {
    return {
      kind: "bytes",
      bytes: Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16)),
    };
  }
  throw new ValueError(text, "random, zeros, ascii or hex:BYTES (pairs of hex digits)", "payload");
}

/**
 * Fills `buffer` with the payload of one probe.
 *
 * `random` differs per probe (seeded by `seed` and `seq`), so a stale or
 * misrouted echo never passes for the right one; the others repeat their
 * pattern from the start of every probe.
 *
 * @param buffer The bytes to fill.
 * @param spec What to fill them with.
 * @param seed The seed of `random`.
 * @param seq The probe's sequence number.
 * @returns `buffer`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fillPayload } from "./payload.ts";
 *
 * const bytes = fillPayload(new Uint8Array(4), { kind: "ascii" }, 0, 1);
 * assert.equal(new TextDecoder().decode(bytes), ' !"#');
 * ```
 */
export function fillPayload(
  buffer: Uint8Array,
  spec: PayloadSpec,
  seed: number,
  seq: number,
): Uint8Array {
  switch (spec.kind) {
    case "random":
      return fillPattern(buffer, Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) ^ seq);
    case "zeros":
      return buffer.fill(0);
    case "ascii":
      for (let i = 0; i < buffer.length; i++) buffer[i] = 0x20 + (i % 95);
      return buffer;
    case "bytes":
      for (let i = 0; i < buffer.length; i++) buffer[i] = spec.bytes[i % spec.bytes.length]!;
      return buffer;
  }
}

/** Where and how an echo differs from what was sent. */
export interface Difference {
  /** Offset of the first differing byte, from 0. */
  offset: number;
  /** The byte sent there. */
  expected: number;
  /** The byte echoed there. */
  actual: number;
  /** How many bytes differ in all. */
  differing: number;
}

/**
 * Compares what was sent with what came back, over the length of `sent`.
 *
 * @param sent The bytes sent.
 * @param echoed The bytes echoed, at least as long as `sent`.
 * @returns `undefined` when they are equal, else where they differ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compare } from "./payload.ts";
 *
 * const difference = compare(new Uint8Array([1, 2, 3]), new Uint8Array([1, 9, 3]));
 * assert.deepEqual(difference, { offset: 1, expected: 2, actual: 9, differing: 1 });
 * assert.equal(compare(new Uint8Array([1]), new Uint8Array([1])), undefined);
 * ```
 */
export function compare(sent: Uint8Array, echoed: Uint8Array): Difference | undefined {
  let first = -1;
  let differing = 0;
  for (let i = 0; i < sent.length; i++) {
    if (sent[i] !== echoed[i]) {
      if (first === -1) first = i;
      differing++;
    }
  }
  if (first === -1) return undefined;
  return { offset: first, expected: sent[first]!, actual: echoed[first]!, differing };
}
