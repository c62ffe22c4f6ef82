/** Micro-benchmarks of the hot pieces: `deno bench bench/` (part of `deno task bench`). */
import { Histogram } from "../lib/histogram.ts";
import { compare, fillPattern } from "../lib/payload.ts";
import { readFull } from "../lib/record.ts";

const record = new Uint8Array(250).fill(7);
const wholeReader = {
  read(p: Uint8Array): Promise<number | null> {
    p.set(record.subarray(0, p.length));
    return Promise.resolve(Math.min(p.length, record.length));
  },
};
let offset = 0;
const pieceReader = {
  read(p: Uint8Array): Promise<number | null> {
    const n = Math.min(p.length, 50);
    offset += n;
    return Promise.resolve(n);
  },
};
const buffer = new Uint8Array(250);

Deno.bench("readFull(): a 250-byte record in one read", { group: "readFull" }, async () => {
  await readFull(wholeReader, buffer);
});

Deno.bench("readFull(): a 250-byte record in five reads", { group: "readFull" }, async () => {
  await readFull(pieceReader, buffer);
});

const histogram = new Histogram();
let sample = 0;
Deno.bench("Histogram.record()", { group: "histogram" }, () => {
  histogram.record(0.05 + (sample++ % 1000) / 100);
});

const full = new Histogram();
for (let i = 0; i < 100_000; i++) full.record(0.01 + (i % 5000) / 100);
Deno.bench("Histogram.percentile(99) of 100,000 samples", { group: "histogram" }, () => {
  full.percentile(99);
});

const payload = new Uint8Array(250);
let seed = 0;
Deno.bench("fillPattern(): 250 bytes", { group: "payload" }, () => {
  fillPattern(payload, seed++);
});

const same = payload.slice();
Deno.bench("compare(): 250 equal bytes", { group: "payload" }, () => {
  compare(payload, same);
});
