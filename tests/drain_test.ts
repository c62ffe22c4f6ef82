import assert from "node:assert/strict";
import { DeadlineTimer } from "../lib/deadline.ts";
import { Drain } from "../lib/drain.ts";
import { EchoConnection, SHUTDOWN_REASON } from "../lib/echo.ts";

/** A connection whose reads never complete: the drain looks only at `idle` and `reads`. */
function connection(timer: DeadlineTimer): EchoConnection {
  const conn = {
    read: () => new Promise<number | null>(() => {}),
    write: (p: Uint8Array) => Promise.resolve(p.length),
  };
  return new EchoConnection(conn, timer.start());
}

/** Resolves when the connection's deadline aborts, with its reason. */
function aborted(connection: EchoConnection): Promise<unknown> {
  const { signal } = connection.deadline;
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    signal.addEventListener("abort", () => resolve(signal.reason), { once: true });
  });
}

Deno.test("Drain closes an idle connection whose read stayed pending from one check to the next", async () => {
  using timer = new DeadlineTimer(30_000);
  const quiet = connection(timer);
  const busy = connection(timer);
  busy.idle = false; // part of a record read: it finishes the record first
  const connections = new Set([quiet, busy]);
  using drain = new Drain(connections, () => undefined);
  drain.start();
  assert.equal(quiet.deadline.signal.aborted, false, "not at the first check: a read may be due");
  assert.equal(await aborted(quiet), SHUTDOWN_REASON);
  assert.deepEqual(drain.ended(quiet), { error: undefined });
  assert.equal(drain.ended(busy), undefined);
  assert.equal(busy.deadline.signal.aborted, false);
  busy.idle = true; // its record echoed, the next read pending
  busy.reads++;
  assert.equal(await aborted(busy), SHUTDOWN_REASON);
  for (const open of connections) open.deadline[Symbol.dispose]();
});

Deno.test("Drain keeps a connection open while its reads complete", async () => {
  using timer = new DeadlineTimer(30_000);
  const reading = connection(timer);
  using drain = new Drain(new Set([reading]), () => undefined);
  drain.start();
  // A read completes between every two checks (bytes keep arriving), for 10 checks.
  const started = performance.now();
  while (performance.now() - started < 250) {
    reading.reads++;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(reading.deadline.signal.aborted, false);
  assert.equal(drain.ended(reading), undefined);
  assert.equal(await aborted(reading), SHUTDOWN_REASON, "closed once the reads stop");
  reading.deadline[Symbol.dispose]();
});

Deno.test("Drain ends a session politely before it closes it, and keeps a failed end's error", async () => {
  using timer = new DeadlineTimer(30_000);
  const polite = connection(timer);
  const failing = connection(timer);
  const plain = connection(timer);
  const later = connection(timer);
  later.idle = false; // closed two checks after it becomes idle: a witness of checks passing
  const ends: string[] = [];
  let finishPolite!: () => void;
  const failure = new Error("close_notify failed");
  using drain = new Drain(new Set([polite, failing, plain, later]), (connection) => {
    if (connection === polite) {
      ends.push("polite");
      return new Promise<void>((resolve) => finishPolite = resolve);
    }
    if (connection === failing) return Promise.reject(failure);
    return undefined;
  });
  drain.start();
  await aborted(plain);
  await aborted(failing);
  assert.deepEqual(drain.ended(failing), { error: failure });
  later.idle = true;
  later.reads++;
  await aborted(later);
  assert.deepEqual(ends, ["polite"], "ended once, however many checks pass");
  assert.equal(polite.deadline.signal.aborted, false, "not closed before its end is sent");
  finishPolite();
  assert.equal(await aborted(polite), SHUTDOWN_REASON);
  for (const open of [polite, failing, plain, later]) open.deadline[Symbol.dispose]();
});
