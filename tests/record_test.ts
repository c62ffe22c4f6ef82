import assert from "node:assert/strict";
import { readFull, writeAll } from "../lib/record.ts";

/** A reader over `bytes` that hands out at most `piece` bytes per read. */
function pieceReader(bytes: Uint8Array, piece: number) {
  let offset = 0;
  const reader = {
    reads: 0,
    read(p: Uint8Array): Promise<number | null> {
      reader.reads++;
      if (offset >= bytes.length) return Promise.resolve(null);
      const n = Math.min(piece, p.length, bytes.length - offset);
      p.set(bytes.subarray(offset, offset + n));
      offset += n;
      return Promise.resolve(n);
    },
  };
  return reader;
}

const SOURCE = Uint8Array.from({ length: 250 }, (_, i) => (i * 7) & 0xff);

Deno.test("readFull() fills the buffer from 1-byte pieces", async () => {
  const reader = pieceReader(SOURCE, 1);
  const buffer = new Uint8Array(250);
  assert.equal(await readFull(reader, buffer), 250);
  assert.deepEqual(buffer, SOURCE);
  assert.equal(reader.reads, 250);
});

Deno.test("readFull() reads no further than the buffer", async () => {
  const reader = pieceReader(new Uint8Array(1000).fill(1), 1000);
  const buffer = new Uint8Array(250);
  assert.equal(await readFull(reader, buffer), 250);
  assert.equal(reader.reads, 1);
});

Deno.test("readFull() returns the bytes read so far at EOF", async () => {
  const reader = pieceReader(SOURCE.subarray(0, 120), 50);
  const buffer = new Uint8Array(250);
  assert.equal(await readFull(reader, buffer), 120);
  assert.deepEqual(buffer.subarray(0, 120), SOURCE.subarray(0, 120));
});

Deno.test("readFull() returns 0 at EOF before any byte", async () => {
  assert.equal(await readFull(pieceReader(new Uint8Array(0), 1), new Uint8Array(250)), 0);
});

Deno.test("readFull() continues after the bytes already in the buffer", async () => {
  const buffer = new Uint8Array(250);
  buffer.set(SOURCE.subarray(0, 100));
  const reader = pieceReader(SOURCE.subarray(100), 30);
  assert.equal(await readFull(reader, buffer, undefined, 100), 250);
  assert.deepEqual(buffer, SOURCE);
});

Deno.test("readFull() throws the signal's reason when aborted mid-read", async () => {
  const controller = new AbortController();
  const reason = new DOMException("too slow", "TimeoutError");
  let reads = 0;
  const reader = {
    read(p: Uint8Array): Promise<number | null> {
      reads++;
      if (reads === 1) {
        p.fill(9, 0, 10);
        return Promise.resolve(10);
      }
      // The second read waits; the abort closes the reader, which fails the read.
      return new Promise((_, reject) => {
        controller.signal.addEventListener("abort", () => {
          reject(new Deno.errors.Interrupted("operation canceled"));
        });
        queueMicrotask(() => controller.abort(reason));
      });
    },
  };
  await assert.rejects(
    readFull(reader, new Uint8Array(250), controller.signal),
    (error) => error === reason,
  );
  assert.equal(reads, 2);
});

Deno.test("readFull() does not read when the signal already aborted", async () => {
  const reader = pieceReader(SOURCE, 250);
  const signal = AbortSignal.abort(new Error("stop"));
  await assert.rejects(readFull(reader, new Uint8Array(250), signal), /stop/);
  assert.equal(reader.reads, 0);
});

Deno.test("readFull() passes on a reader's error when not aborted", async () => {
  const reader = {
    read: () => Promise.reject(new Deno.errors.ConnectionReset("reset by peer")),
  };
  await assert.rejects(
    readFull(reader, new Uint8Array(10), new AbortController().signal),
    Deno.errors.ConnectionReset,
  );
});

Deno.test("writeAll() writes everything through a writer that takes 3 bytes at a time", async () => {
  const received: number[] = [];
  const writer = {
    write(p: Uint8Array): Promise<number> {
      const n = Math.min(3, p.length);
      received.push(...p.subarray(0, n));
      return Promise.resolve(n);
    },
  };
  await writeAll(writer, SOURCE);
  assert.deepEqual(Uint8Array.from(received), SOURCE);
});

Deno.test("writeAll() throws the signal's reason when aborted between writes", async () => {
  const controller = new AbortController();
  const reason = new Error("deadline");
  let writes = 0;
  const writer = {
    write(p: Uint8Array): Promise<number> {
      writes++;
      controller.abort(reason);
      return Promise.resolve(Math.min(1, p.length));
    },
  };
  await assert.rejects(writeAll(writer, SOURCE, controller.signal), (error) => error === reason);
  assert.equal(writes, 1);
});
