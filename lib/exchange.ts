/**
 * A probe's exchange on its connection: the payload written, the echo read to its
 * length (and a little past it, to see bytes that follow), the bytes up to the
 * server's close counted, a payload larger than the socket buffers moved both ways
 * at once; and what came after the echo on a kept connection.
 *
 * @module
 */

import { type ProbeConnection, type ProbeStream, READ_FAILED } from "./connect.ts";
import { isReset } from "./errors.ts";
import { closedHere, countToEnd, readAtLeast, writeAll } from "./record.ts";

/** Payloads up to this size are written, then read; larger ones both at once. */
const SEQUENTIAL_MAX_BYTES = 16 * 1024;

/** What one exchange brought back, and when. */
export interface Exchanged {
  /** Bytes of the echo read: its length, fewer if the server closed or a read failed. */
  bytesBack: number;
  /** Bytes that came after the echo (on a kept connection: in the same reads only). */
  extraBytes: number;
  /** `performance.now()` as the payload's first byte was written. */
  sentAt: number;
  /** `performance.now()` as the echo's last byte was read. */
  doneAt: number;
  /** What a read or write threw (`undefined`: nothing did). */
  failure: unknown;
}

/**
 * Sends the payload and reads its echo into `echo` (which has room past the echo: see
 * {@linkcode echoSlack}). On a connection of its own (`halfClose`) the sending side is
 * shut down once the payload is written, and the reads go on to the server's close:
 * the bytes before it that are not the echo's are counted, after `doneAt`. A read
 * left waiting on a kept connection ({@linkcode ProbeConnection.startWaitingRead}) is
 * the echo's first read.
 *
 * @param connection The connection; its deadline is renewed for this echo.
 * @param payload The bytes to send.
 * @param echo Where the echo goes: `payload.length` bytes and room past them.
 * @param halfClose Shut down the sending side, and read on to the server's close.
 * @returns The bytes back, the extra bytes, the times, and a failure if any.
 */
export async function exchange(
  connection: ProbeConnection,
  payload: Uint8Array,
  echo: Uint8Array,
  halfClose: boolean,
): Promise<Exchanged> {
  const { stream, deadline: { signal }, onRead } = connection;
  const size = payload.length;
  const waiting = connection.takeWaitingRead();
  connection.bytesBack = 0;
  connection.firstByteAt = 0;
  connection.deadline.renew();
  const exchanged: Exchanged = {
    bytesBack: 0,
    extraBytes: 0,
    sentAt: performance.now(),
    doneAt: 0,
    failure: undefined,
  };
  let filled = 0;
  try {
    if (size <= SEQUENTIAL_MAX_BYTES) {
      // Written, then read: the payload fits the socket buffers. One write and one
      // read carry most probes; the loops only take over the rest.
      const written = await stream.write(payload);
      if (written < size) await writeAll(stream, payload.subarray(written), signal);
      if (halfClose) await stream.closeWrite();
      const read = waiting ? await waiting : await stream.read(echo);
      if (read === READ_FAILED) throw connection.readError;
      if (read !== null) {
        onRead(read);
        filled = read >= size ? read : await readAtLeast(stream, echo, size, signal, read, onRead);
      }
    } else {
      const first = waiting?.then((read) =>
        read === READ_FAILED ? Promise.reject(connection.readError) : read
      );
      filled = await exchangeLarge(stream, payload, echo, halfClose, first, signal, onRead);
    }
    exchanged.doneAt = performance.now();
    // A connection of its own: the server's close ends the echo, and whatever comes
    // before it is part of the verdict (not of the timings, which end at `doneAt`).
    if (halfClose && filled >= size) {
      exchanged.extraBytes = await countToEnd(stream, echo.subarray(size), signal);
    }
  } catch (error) {
    exchanged.failure = error;
  }
  exchanged.bytesBack = Math.min(Math.max(filled, connection.bytesBack), size);
  exchanged.extraBytes += Math.max(filled - size, 0);
  return exchanged;
}

/**
 * What came after the echo of the last probe on a kept connection, until now: the
 * waiting read's bytes. With `waitForClose` (no probe follows) the sending side is shut
 * down and the bytes up to the server's close (within the deadline) count.
 *
 * @param connection The kept connection, with its waiting read.
 * @param waitForClose No probe follows: wait for the server's close.
 * @param scratch Room to read what follows into.
 * @returns Bytes after the echo (0: none, the server closed); `null` when the connection
 *   ended without any (the server closed it, or it failed); `undefined` when nothing came
 *   yet and `waitForClose` is false (the next probe reads on).
 */
export async function afterEcho(
  connection: ProbeConnection,
  waitForClose: boolean,
  scratch: Uint8Array,
): Promise<number | null | undefined> {
  let read = connection.waitingResult;
  if (read === undefined && waitForClose) {
    connection.deadline.renew();
    await closeWrite(connection.stream);
    read = (await connection.takeWaitingRead()) ?? null;
    if (read === null || read <= 0) return 0;
    return read + await countToEnd(connection.stream, scratch, connection.deadline.signal);
  }
  if (read === undefined || (read !== null && read > 0)) return read;
  return waitForClose ? 0 : null;
}

/** Shuts down the sending side; a connection the server already reset needs no shutdown. */
async function closeWrite(stream: ProbeStream): Promise<void> {
  try {
    await stream.closeWrite();
  } catch (error) {
    // The waiting read tells how the connection ended; the shutdown has nothing to add.
    if (!isReset(error) && !closedHere(error) && !(error instanceof Deno.errors.NotConnected)) {
      throw error;
    }
  }
}

/**
 * Room past the echo in a prober's echo buffer: a read that brings the last bytes of
 * the echo brings the bytes that follow them too, so extra bytes that arrive with the
 * echo are seen at once. At least 64 bytes, at most 64 KiB, else the echo's size.
 *
 * @param size Bytes of one echo.
 * @returns Bytes of room past the echo.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { echoSlack } from "./exchange.ts";
 *
 * assert.deepEqual([echoSlack(10), echoSlack(250), echoSlack(16 << 20)], [64, 250, 65536]);
 * ```
 */
export function echoSlack(size: number): number {
  return Math.min(Math.max(size, 64), 64 * 1024);
}

/**
 * The bytes a prober holds for probes of `size` bytes: the payload, and the echo
 * with room past it ({@linkcode echoSlack}).
 *
 * @param size Bytes per probe.
 * @returns Bytes of buffers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proberBufferBytes } from "./exchange.ts";
 *
 * assert.equal(proberBufferBytes(250), 750);
 * ```
 */
export function proberBufferBytes(size: number): number {
  return 2 * size + echoSlack(size);
}

/**
 * The bytes of buffers a load run of `concurrency` loops of `size`-byte probes holds:
 * what `load()` keeps under `MAX_LOAD_BUFFER_BYTES`.
 *
 * @param concurrency Probe loops.
 * @param size Bytes per probe.
 * @returns Bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAX_LOAD_BUFFER_BYTES } from "./defaults.ts";
 * import { loadBufferBytes } from "./exchange.ts";
 *
 * assert.ok(loadBufferBytes(7, 16 << 20) <= MAX_LOAD_BUFFER_BYTES);
 * assert.ok(loadBufferBytes(8, 16 << 20) > MAX_LOAD_BUFFER_BYTES);
 * ```
 */
export function loadBufferBytes(concurrency: number, size: number): number {
  return concurrency * proberBufferBytes(size);
}

/**
 * Writes a payload larger than the socket buffers while reading its echo, so that
 * neither side can block the other.
 *
 * @param stream The connection, or its TLS session.
 * @param payload The bytes to send.
 * @param echo Where the echo goes: `payload.length` bytes and room past them.
 * @param halfClose Shut down the sending side once the payload is written.
 * @param firstRead A read already started into `echo` (a kept connection's), or none.
 * @param signal The echo's deadline.
 * @param onRead Counts the bytes as they come.
 * @returns The bytes read: the payload's length or more, fewer if the server closed.
 * @throws What the read, else the write, failed with.
 */
async function exchangeLarge(
  stream: ProbeStream,
  payload: Uint8Array,
  echo: Uint8Array,
  halfClose: boolean,
  firstRead: Promise<number | null> | undefined,
  signal: AbortSignal,
  onRead: (filled: number) => void,
): Promise<number> {
  const writing = halfClose
    ? writeAll(stream, payload, signal).then(() => stream.closeWrite())
    : writeAll(stream, payload, signal);
  const reading = (async () => {
    const first = firstRead ? await firstRead : 0;
    if (first === null) return 0;
    if (first > 0) onRead(first);
    return await readAtLeast(stream, echo, payload.length, signal, first, onRead);
  })();
  const [written, read] = await Promise.allSettled([writing, reading]);
  if (read.status === "rejected") throw read.reason;
  if (written.status === "rejected") throw written.reason;
  return read.value;
}
