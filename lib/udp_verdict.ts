/**
 * The verdict on a UDP reply: is it, byte for byte, the probe as sent, and if not,
 * what is wrong with it.
 *
 * @module
 */

import { ProbeError } from "./errors.ts";
import { compare, type PayloadSpec } from "./payload.ts";
import { fillDatagram } from "./udp_datagram.ts";
import { echoMatches, mismatchError } from "./verdict.ts";

/**
 * Compares replies with the probes a prober sent, rebuilding each probe from its run,
 * sequence number and send time (the payload is the same pattern on both sides), so
 * nothing sent is kept. Replies are received into {@linkcode ReplyCheck.buffer}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fillDatagram } from "./udp_datagram.ts";
 * import { ReplyCheck } from "./udp_verdict.ts";
 *
 * const check = new ReplyCheck(64, { kind: "random" }, 1, 9);
 * const reply = check.buffer.subarray(0, 64);
 * fillDatagram(reply, { run: 9, seq: 2, sentUs: 5 }, { kind: "random" }, 1);
 * assert.equal(check.matches(reply, 2, 5), true);
 * reply[40] = reply[40]! ^ 0xff;
 * assert.equal(check.matches(reply, 2, 5), false);
 * assert.equal(check.problem(reply, 2).code, "mismatch");
 * assert.equal(check.problem(reply.subarray(0, 30), 2).message, "Reply of 30/64 bytes");
 * ```
 */
export class ReplyCheck {
  /** Where replies are received: large enough for any datagram. */
  readonly buffer: Uint8Array = new Uint8Array(65_536);
  readonly #size: number;
  readonly #payload: PayloadSpec;
  readonly #seed: number;
  readonly #run: number;
  readonly #expected: Uint8Array;
  readonly #bufferWords: Uint32Array;
  readonly #expectedWords: Uint32Array;

  /**
   * Prepares the buffers for probes of `size` bytes.
   *
   * @param size Bytes in each probe.
   * @param payload The payload pattern.
   * @param seed The seed of a `random` payload.
   * @param run The prober's run number.
   */
  constructor(size: number, payload: PayloadSpec, seed: number, run: number) {
    this.#size = size;
    this.#payload = payload;
    this.#seed = seed;
    this.#run = run;
    this.#expected = new Uint8Array(size);
    this.#bufferWords = new Uint32Array(this.buffer.buffer, 0, size >> 2);
    this.#expectedWords = new Uint32Array(this.#expected.buffer, 0, size >> 2);
  }

  /**
   * Whether `reply` is probe `seq`, sent at `sentUs`, byte for byte.
   *
   * @param reply The datagram received, at the start of {@linkcode ReplyCheck.buffer}.
   * @param seq The probe's sequence number.
   * @param sentUs The probe's send time, as in its header.
   * @returns `true` when every byte is as sent, and no more.
   */
  matches(reply: Uint8Array, seq: number, sentUs: number): boolean {
    fillDatagram(this.#expected, { run: this.#run, seq, sentUs }, this.#payload, this.#seed);
    return reply.length === this.#size &&
      echoMatches(this.#expected, reply, this.#expectedWords, this.#bufferWords);
  }

  /**
   * What is wrong with a reply that {@linkcode ReplyCheck.matches} refused, for the
   * same probe.
   *
   * @param reply The datagram received.
   * @param seq The probe's sequence number.
   * @returns A `short` error (fewer bytes), or a `mismatch` (more bytes, or changed ones).
   */
  problem(reply: Uint8Array, seq: number): ProbeError {
    const size = this.#size;
    const bytesBack = reply.length;
    const details = { seq, size, bytesBack };
    if (bytesBack < size) {
      return new ProbeError("short", `Reply of ${bytesBack}/${size} bytes`, details);
    }
    if (bytesBack > size) {
      return new ProbeError("mismatch", `Reply of ${bytesBack} bytes, sent ${size}`, details);
    }
    return mismatchError(compare(this.#expected, reply)!, size, seq);
  }
}
