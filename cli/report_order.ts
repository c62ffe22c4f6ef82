/**
 * The order of a run's probes for `echoprobe report`. A TCP series writes its probes in
 * the order they were sent; a UDP series writes each when it is decided: a reordered
 * reply after a later probe's, a lost probe at its timeout, after the probes sent since.
 * So a UDP run is not cut where `seq` goes back, only where a `seq` comes again (the
 * next run), and its probes are put in the order they were sent once it ends.
 *
 * @module
 */

/**
 * The sequence numbers a run has seen, in a bit per number (a million probes: 125 KB).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SeqSet } from "./report_order.ts";
 *
 * const seen = new SeqSet();
 * assert.equal(seen.add(3), true);
 * assert.equal(seen.add(1), true);
 * assert.equal(seen.add(3), false); // seen already
 * assert.deepEqual([seen.has(1), seen.has(2)], [true, false]);
 * ```
 */
export class SeqSet {
  #bits = new Uint8Array(128);

  /**
   * Adds a sequence number.
   *
   * @param seq A whole number from 0.
   * @returns `false` when it was there already.
   */
  add(seq: number): boolean {
    if (this.has(seq)) return false;
    const byte = seq >>> 3;
    if (byte >= this.#bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.#bits.length * 2));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    this.#bits[byte]! |= 1 << (seq & 7);
    return true;
  }

  /**
   * Whether a sequence number was added.
   *
   * @param seq A whole number from 0.
   * @returns `true` when it was.
   */
  has(seq: number): boolean {
    return ((this.#bits[seq >>> 3] ?? 0) & (1 << (seq & 7))) !== 0;
  }
}

/**
 * Where a ping run's probes end, line by line: a TCP run ends before `seq` 1 or a `seq`
 * that goes back; a UDP run before a `seq` that comes again. It also notes whether the
 * probes came out of order, for {@linkcode sortProbes} at the run's end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProbeOrder } from "./report_order.ts";
 *
 * const order = new ProbeOrder();
 * for (const seq of [1, 3]) order.take(seq, true);
 * assert.equal(order.startsRun(2, true), false); // UDP: decided after 3, same run
 * order.take(2, true);
 * assert.equal(order.startsRun(2, true), true); // seq 2 again: the next run
 * assert.equal(order.startsRun(2, false), true); // TCP: seq went back
 * ```
 */
export class ProbeOrder {
  #lastSeq = 0;
  #seen = new SeqSet();
  #lastAtMs = 0;
  /** Whether a probe started before the one on the line above. */
  unordered = false;

  /**
   * Whether a probe line starts the next run (the run so far has taken at least one).
   *
   * @param seq Its sequence number.
   * @param udp Whether it is a UDP probe (`"proto":"udp"`).
   * @returns `true` when it cannot belong to the run so far.
   */
  startsRun(seq: number, udp: boolean): boolean {
    return udp ? this.#seen.has(seq) : seq === 1 || seq <= this.#lastSeq;
  }

  /**
   * Takes a probe line into the run.
   *
   * @param seq Its sequence number.
   * @param udp Whether it is a UDP probe.
   */
  take(seq: number, udp: boolean): void {
    if (udp) this.#seen.add(seq);
    this.#lastSeq = seq;
  }

  /**
   * Takes the start of the probe just taken.
   *
   * @param atMs Its start, in milliseconds since its run's first line.
   */
  placed(atMs: number): void {
    if (atMs < this.#lastAtMs) this.unordered = true;
    this.#lastAtMs = atMs;
  }

  /** Starts over, for the next run. */
  reset(): void {
    this.#lastSeq = 0;
    this.#seen = new SeqSet();
    this.#lastAtMs = 0;
    this.unordered = false;
  }
}

/** A run's probes as parallel arrays: start, latency, failure code. */
export interface Probes {
  /** Each probe's start, in milliseconds since the run's start. */
  atMs: number[];
  /** Each probe's latency; `NaN` for a failure. */
  ms: number[];
  /** Each probe's failure code index; -1 for a success. */
  code: number[];
}

/**
 * Puts a run's probes in the order they started, and makes the earliest start 0.
 *
 * @param probes The probes; sorted in place.
 * @returns How far the run's start moved back, in milliseconds (0 when the first line
 *   was the earliest probe): subtract it from the run's wall-clock start.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sortProbes } from "./report_order.ts";
 *
 * const probes = { atMs: [0, 30, 10], ms: [1, NaN, 3], code: [-1, 0, -1] };
 * assert.equal(sortProbes(probes), 0);
 * assert.deepEqual(probes, { atMs: [0, 10, 30], ms: [1, 3, NaN], code: [-1, -1, 0] });
 * ```
 */
export function sortProbes(probes: Probes): number {
  const { atMs, ms, code } = probes;
  const order = Array.from(atMs.keys()).sort((a, b) => atMs[a]! - atMs[b]! || a - b);
  const earliest = atMs[order[0] ?? 0] ?? 0;
  const byOrder = <T>(values: T[]) => order.map((i) => values[i]!);
  probes.atMs = byOrder(atMs).map((at) => at - earliest);
  probes.ms = byOrder(ms);
  probes.code = byOrder(code);
  return earliest < 0 ? -earliest : 0;
}
