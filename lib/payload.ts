/**
 * The bytes a probe sends, and how an echo differs from them.
 *
 * @module
 */

import { UsageError } from "./errors.ts";

/**
 * Fills `buffer` with pseudo-random bytes (xorshift32) seeded by `seed`.
 *
 * @param buffer The bytes to fill.
 * @param seed Any whole number; the same seed gives the same bytes.
 * @returns `buffer`.
 *
 * @example
 * ```ts
 * import { fillPattern } from "./payload.ts";
 *
 * const payload = fillPattern(new Uint8Array(250), 1);
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
 * Parses `--payload`: `random`, `zeros`, `ascii` or `hex:DEADBEEF`. (`@FILE` is read
 * by the caller, which has the permission, and given as `{ kind: "bytes" }`.)
 *
 * @param text The flag's value.
 * @returns The payload spec.
 * @throws {UsageError} For another word or bad hex.
 *
 * @example
 * ```ts
 * import { parsePayload } from "./payload.ts";
 *
 * const spec = parsePayload("hex:DEADBEEF"); // { kind: "bytes", bytes: [0xde, 0xad, 0xbe, 0xef] }
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
  throw new UsageError(
    `Invalid --payload "${text}": expected random, zeros, ascii, hex:BYTES (pairs of hex digits) or @FILE`,
  );
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
 * import { fillPayload } from "./payload.ts";
 *
 * const bytes = fillPayload(new Uint8Array(4), { kind: "ascii" }, 0, 1); // " !\"#"
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
 * import { compare } from "./payload.ts";
 *
 * const difference = compare(new Uint8Array([1, 2, 3]), new Uint8Array([1, 9, 3]));
 * // { offset: 1, expected: 2, actual: 9, differing: 1 }
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
