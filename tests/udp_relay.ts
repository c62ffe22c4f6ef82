/**
 * An impaired UDP path for tests (this kernel has no netem): a relay between a client
 * and a server that drops, duplicates, delays and reorders datagrams by a seeded random
 * generator, counts what it did, and logs what it delivered to the client.
 *
 * @module
 */

import { isClosedReceive, seqOf } from "./udp_helpers.ts";

/** What the relay does to each datagram, in each direction. */
export interface Impairment {
  /** Seed of the random generator: the same seed, the same decisions in the same order. */
  seed: number;
  /** Chance of dropping a datagram, 0 to 1. */
  loss: number;
  /** Chance of sending a datagram twice. */
  duplicate: number;
  /** Chance of holding a datagram back `reorderMs` more, so later ones overtake it. */
  reorder: number;
  /** Delay of every datagram, in milliseconds... */
  delayMs: number;
  /** ...plus or minus up to this much, uniformly. */
  spreadMs: number;
  /** The extra delay of a datagram held back. */
  reorderMs: number;
}

/** What the relay did in one direction. */
export interface RelayCounts {
  received: number;
  dropped: number;
  duplicated: number;
  heldBack: number;
  forwarded: number;
}

/** A datagram the relay delivered to the client. */
export interface Delivery {
  seq: number;
  /** `performance.now()` of the delivery. */
  at: number;
  /** From the relay's receipt of the client's request to this delivery, in ms. */
  transitMs: number;
}

/** mulberry32: small, fast and seeded. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The relay: the client sends to `port`; the relay forwards to the server and back. */
export class ImpairedRelay implements AsyncDisposable {
  readonly up: RelayCounts = newCounts();
  readonly down: RelayCounts = newCounts();
  /** Every datagram delivered to the client, in order. */
  readonly deliveries: Delivery[] = [];
  readonly #front = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  readonly #back = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  readonly #server: Deno.NetAddr;
  readonly #impairment: Impairment;
  readonly #random: () => number;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #sends = new Set<Promise<void>>();
  readonly #requestAt = new Map<number, number>();
  readonly #loops: Promise<void>[];
  #client: Deno.NetAddr | undefined;
  #closed = false;

  constructor(server: Deno.NetAddr, impairment: Impairment) {
    this.#server = { transport: "udp", hostname: server.hostname, port: server.port };
    this.#impairment = impairment;
    this.#random = random(impairment.seed);
    this.#loops = [
      this.#relay(this.#front, this.up, (datagram, from) => {
        this.#client ??= from;
        if (!this.#requestAt.has(seqOf(datagram))) {
          this.#requestAt.set(seqOf(datagram), performance.now());
        }
        return { socket: this.#back, to: this.#server };
      }),
      this.#relay(this.#back, this.down, () => ({ socket: this.#front, to: this.#client! })),
    ];
  }

  /** Where the client sends. */
  get port(): number {
    return (this.#front.addr as Deno.NetAddr).port;
  }

  /** Datagrams held in the relay now. */
  get holding(): number {
    return this.#timers.size;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all(this.#sends);
    this.#front.close();
    this.#back.close();
    await Promise.all(this.#loops);
  }

  async #relay(
    socket: Deno.DatagramConn,
    counts: RelayCounts,
    route: (
      datagram: Uint8Array,
      from: Deno.NetAddr,
    ) => { socket: Deno.DatagramConn; to: Deno.NetAddr },
  ): Promise<void> {
    const { loss, duplicate, reorder, delayMs, spreadMs, reorderMs } = this.#impairment;
    for (;;) {
      let datagram: Uint8Array;
      let from: Deno.NetAddr;
      try {
        const received = await socket.receive();
        [datagram, from] = [received[0], received[1] as Deno.NetAddr];
      } catch (error) {
        if (this.#closed && isClosedReceive(error)) return;
        throw error;
      }
      counts.received++;
      const { socket: out, to } = route(datagram, from);
      // The same draws for the same order of arrival: a seed repeats a run's decisions.
      const [lose, twice, late] = [this.#random(), this.#random(), this.#random()];
      if (lose < loss) {
        counts.dropped++;
        continue;
      }
      const copies = twice < duplicate ? 2 : 1;
      if (copies === 2) counts.duplicated++;
      const extraMs = late < reorder ? reorderMs : 0;
      if (extraMs > 0) counts.heldBack++;
      for (let copy = 0; copy < copies; copy++) {
        const waitMs = delayMs + (this.#random() * 2 - 1) * spreadMs + extraMs;
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.#forward(out, datagram, to, counts);
        }, waitMs);
        this.#timers.add(timer);
      }
    }
  }

  #forward(out: Deno.DatagramConn, datagram: Uint8Array, to: Deno.NetAddr, counts: RelayCounts) {
    counts.forwarded++;
    if (out === this.#front) {
      const seq = seqOf(datagram);
      const at = performance.now();
      this.deliveries.push({ seq, at, transitMs: at - (this.#requestAt.get(seq) ?? at) });
    }
    const sending = out.send(datagram, to).then(() => {}, (error) => {
      if (!this.#closed) throw error;
    });
    this.#sends.add(sending);
    sending.finally(() => this.#sends.delete(sending));
  }
}

function newCounts(): RelayCounts {
  return { received: 0, dropped: 0, duplicated: 0, heldBack: 0, forwarded: 0 };
}

/** What a client should report, from what the relay delivered to it. */
export interface Expected {
  received: number;
  lost: number;
  duplicates: number;
  reordered: number;
  late: number;
  /** RFC 3550 jitter of the first replies, from the relay's transit times. */
  jitterMs: number;
}

/**
 * The figures a correct client reports for `sent` probes with `timeoutMs`, from the
 * relay's deliveries: first copies in time are received, after it late; every other
 * copy is a duplicate; a first copy in time below the highest seq before it is
 * reordered (RFC 4737).
 */
export function expectedFigures(
  deliveries: readonly Delivery[],
  sent: number,
  timeoutMs: number,
): Expected {
  const seen = new Set<number>();
  let received = 0;
  let late = 0;
  let duplicates = 0;
  let reordered = 0;
  let highest = 0;
  let jitterMs = 0;
  let previousTransit = NaN;
  for (const { seq, transitMs } of deliveries) {
    if (seen.has(seq)) {
      duplicates++;
      continue;
    }
    seen.add(seq);
    if (transitMs > timeoutMs) {
      late++;
      continue;
    }
    received++;
    if (seq < highest) reordered++;
    else highest = seq;
    if (!Number.isNaN(previousTransit)) {
      jitterMs += (Math.abs(transitMs - previousTransit) - jitterMs) / 16;
    }
    previousTransit = transitMs;
  }
  return { received, lost: sent - received, duplicates, reordered, late, jitterMs };
}
