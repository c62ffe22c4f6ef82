// The TLS load client of `deno task bench` (echoload speaks plain TCP only): Node's
// `tls` (OpenSSL), one process, every echoed byte checked. Prints one line of
// key=value pairs as echoload does: mode, ops, ops_s, errors.
//
//   node bench/tls_load.mjs pp PORT CONNS SECONDS CA_FILE    # ping-pong on CONNS sessions
//   node bench/tls_load.mjs conn PORT LOOPS SECONDS CA_FILE  # a new session per exchange
//
// pp: each session sends a 250-byte record and waits for its echo before the next.
// conn: each loop connects (a full handshake, TLS 1.3, no resumption), sends a
// record, reads its echo, sends close_notify and waits for the server's close.
// Records carry the loop's number and a sequence number, so a stale or misrouted
// echo is an error. TCP_NODELAY on every socket. Server name "localhost".
import { readFileSync } from "node:fs";
import process from "node:process";
import { connect } from "node:tls";

const [mode, portText, loopsText, secondsText, caFile] = process.argv.slice(2);
if (!["pp", "conn"].includes(mode) || !caFile) {
  // deno-lint-ignore no-console -- this script's usage line
  console.error("usage: node bench/tls_load.mjs pp|conn PORT CONNS SECONDS CA_FILE");
  process.exit(2);
}
const port = Number(portText);
const ca = readFileSync(caFile);
const SIZE = 250;
const endAt = performance.now() + Number(secondsText) * 1000;
let ops = 0;
let errors = 0;
/** Sessions open now: any still waiting for an echo 1 s after the run is destroyed. */
const sessions = new Set();
const stuck = setTimeout(() => {
  for (const socket of sessions) socket.destroy(new Error("no echo 1 s after the run"));
}, Number(secondsText) * 1000 + 1000);

function record(loop, seq) {
  const bytes = Buffer.alloc(SIZE, (loop * 31 + seq) & 0xff);
  bytes.writeUInt32LE(loop, 0);
  bytes.writeUInt32LE(seq, 4);
  return bytes;
}

function open() {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () => {
      socket.setNoDelay(true);
      resolve(socket);
    });
    sessions.add(socket);
    socket.once("close", () => sessions.delete(socket));
    socket.once("error", reject);
  });
}

/** Sends `bytes` and resolves with the next SIZE bytes the socket reads. */
function exchange(socket, bytes, pending) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let length = pending.length;
    if (pending.length) chunks.push(pending);
    const done = (error) => {
      socket.off("data", onData);
      socket.off("close", onClose);
      socket.off("error", done);
      if (error) reject(error);
    };
    const onData = (chunk) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length < SIZE) return;
      done();
      const all = Buffer.concat(chunks, length);
      resolve({ echo: all.subarray(0, SIZE), rest: all.subarray(SIZE) });
    };
    const onClose = () => done(new Error("closed before the echo"));
    socket.on("data", onData);
    socket.once("close", onClose);
    socket.once("error", done);
    socket.write(bytes);
  });
}

async function pingPong(loop) {
  const socket = await open();
  let rest = Buffer.alloc(0);
  for (let seq = 0; performance.now() < endAt; seq++) {
    const sent = record(loop, seq);
    const result = await exchange(socket, sent, rest);
    rest = result.rest;
    if (!result.echo.equals(sent) || rest.length > 0) errors++;
    else ops++;
  }
  socket.destroy();
}

async function connections(loop) {
  for (let seq = 0; performance.now() < endAt; seq++) {
    try {
      const socket = await open();
      const sent = record(loop, seq);
      const { echo, rest } = await exchange(socket, sent, Buffer.alloc(0));
      const closed = new Promise((resolve) => socket.once("close", resolve));
      socket.end();
      await closed;
      if (!echo.equals(sent) || rest.length > 0) errors++;
      else ops++;
    } catch {
      errors++;
    }
  }
}

const started = performance.now();
const loops = Array.from(
  { length: Number(loopsText) },
  (_, loop) => (mode === "pp" ? pingPong : connections)(loop).catch(() => errors++),
);
await Promise.all(loops);
clearTimeout(stuck);
const seconds = (performance.now() - started) / 1000;
// deno-lint-ignore no-console -- the report, one line
console.log(
  `mode=${mode} conns=${loopsText} ops=${ops} ops_s=${(ops / seconds).toFixed(1)} errors=${errors}`,
);
