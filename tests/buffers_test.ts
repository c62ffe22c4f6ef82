import assert from "node:assert/strict";
import { BufferPool, firstBufferSize, growBuffer, shrinkBuffer } from "../lib/buffers.ts";

Deno.test("BufferPool hands out a record-sized first buffer, or 4 KiB in stream mode", () => {
  const records = new BufferPool({ mode: "record", recordSize: 250 });
  assert.equal(records.firstSize, 250);
  assert.equal(records.take().length, 250);
  const stream = new BufferPool({ mode: "stream", recordSize: 250 });
  assert.equal(stream.firstSize, 4096);
  assert.equal(stream.take().length, 4096);
});

Deno.test("BufferPool gives back a kept buffer, and keeps only first-size ones", () => {
  const pool = new BufferPool({ mode: "record", recordSize: 250 });
  const first = pool.take();
  pool.give(first);
  assert.equal(pool.take(), first, "the same buffer again");
  const grown = new Uint8Array(500);
  pool.give(grown);
  const next = pool.take();
  assert.notEqual(next, grown, "a grown buffer is not kept");
  assert.equal(next.length, 250);
});

Deno.test("BufferPool keeps at most 256 buffers", () => {
  const pool = new BufferPool({ mode: "record", recordSize: 8 });
  const given: Uint8Array<ArrayBuffer>[] = Array.from({ length: 300 }, () => new Uint8Array(8));
  for (const buffer of given) pool.give(buffer);
  const kept = new Set<Uint8Array>(given.slice(0, 256));
  for (let i = 0; i < 256; i++) assert.ok(kept.has(pool.take()), `buffer ${i} was kept`);
  assert.ok(!given.includes(pool.take()), "the 257th is a new buffer");
});

Deno.test("firstBufferSize() is one record up to 16 KiB: a large record grows as it arrives", () => {
  assert.equal(firstBufferSize("record", 250), 250);
  assert.equal(firstBufferSize("record", 16 * 1024), 16 * 1024);
  assert.equal(firstBufferSize("record", 16 * 1024 + 1), 16 * 1024);
  assert.equal(firstBufferSize("record", 64 * 1024 * 1024), 16 * 1024);
  assert.equal(firstBufferSize("stream", 64 * 1024 * 1024), 4 * 1024);
});

Deno.test("BufferPool hands out resizable buffers for records larger than 64 KiB, and frees them", () => {
  const pool = new BufferPool({ mode: "record", recordSize: 64 * 1024 * 1024 });
  assert.equal(pool.firstSize, 16 * 1024);
  const buffer = pool.take();
  assert.equal(buffer.length, 16 * 1024);
  assert.equal(buffer.buffer.resizable, true);
  assert.equal(buffer.buffer.maxByteLength, 64 * 1024 * 1024, "up to one record");
  pool.give(buffer);
  assert.equal(buffer.length, 0, "freed at once (its ArrayBuffer detached)");
  assert.equal(
    new BufferPool({ mode: "record", recordSize: 64 * 1024 }).take().buffer.resizable,
    false,
  );
});

Deno.test("growBuffer() carries over the bytes kept: a plain buffer into a new one", () => {
  const small = Uint8Array.from({ length: 8 }, (_, i) => i + 1);
  const grown = growBuffer(small, 16, 5);
  assert.notEqual(grown, small);
  assert.equal(grown.length, 16);
  assert.deepEqual(grown.subarray(0, 6), Uint8Array.of(1, 2, 3, 4, 5, 0));
});

Deno.test("growBuffer() and shrinkBuffer() resize a resizable buffer in place", () => {
  const pool = new BufferPool({ mode: "record", recordSize: 1024 * 1024 });
  const buffer = pool.take();
  buffer.fill(7);
  const grown = growBuffer(buffer, 1024 * 1024, buffer.length);
  assert.equal(grown, buffer, "the same buffer");
  assert.equal(grown.length, 1024 * 1024);
  assert.equal(grown[16 * 1024 - 1], 7);
  assert.equal(grown[16 * 1024], 0);
  const shrunk = shrinkBuffer(grown, pool);
  assert.equal(shrunk, buffer);
  assert.equal(shrunk.length, 16 * 1024);
});

Deno.test("shrinkBuffer() swaps a grown plain buffer for a first one", () => {
  const pool = new BufferPool({ mode: "record", recordSize: 250 });
  const shrunk = shrinkBuffer(new Uint8Array(64 * 1024), pool);
  assert.equal(shrunk.length, 250);
});
