/**
 * TlsStream (lib/tls_stream.ts): a TLS session read and written as a connection is,
 * over a real loopback pair: the server's side from serverTls(), the client's from
 * node:tls over a TcpDuplex.
 */
import assert from "node:assert/strict";
import tls from "node:tls";
import { selfSignedCertificate } from "../lib/certificate.ts";
import { readFull, writeAll } from "../lib/record.ts";
import { serverTls } from "../lib/tls_server.ts";
import { TcpDuplex, TlsStream } from "../lib/tls_stream.ts";
import { waitFor } from "./helpers.ts";

const made = await selfSignedCertificate();
const server = await serverTls(made);

/** A connected pair of sessions, and their TCP connections to close. */
async function pair() {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [clientConn, serverConn] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  const duplex = new TcpDuplex(clientConn);
  const socket = tls.connect({ socket: duplex, ca: made.cert, servername: "localhost" });
  const client = new TlsStream(socket, duplex, clientConn);
  const accepted = server.accept(serverConn);
  return {
    client,
    server: accepted,
    [Symbol.dispose]() {
      for (const conn of [clientConn, serverConn]) {
        try {
          conn.close();
        } catch (error) {
          if (!(error instanceof Deno.errors.BadResource)) throw error; // closed by the test
        }
      }
    },
  };
}

Deno.test("TlsStream reads bytes in order, across pieces, into buffers of any size", async () => {
  using sessions = await pair();
  const sent = crypto.getRandomValues(new Uint8Array(40_000));
  // The server reads as it comes; the client writes in three pieces.
  const received = new Uint8Array(sent.length);
  const reading = readFull(sessions.server, received);
  await writeAll(sessions.client, sent.subarray(0, 1));
  await writeAll(sessions.client, sent.subarray(1, 20_000));
  await writeAll(sessions.client, sent.subarray(20_000));
  assert.equal(await reading, sent.length);
  assert.deepEqual(received, sent);
  // Small reads of what is waiting take it a piece at a time.
  await writeAll(sessions.server, sent.subarray(0, 10));
  const small = new Uint8Array(3);
  assert.equal(await sessions.client.read(small), 3);
  assert.deepEqual(small, sent.subarray(0, 3));
});

Deno.test("TlsStream stops reading a peer that sends more than it takes, and loses nothing", async () => {
  using sessions = await pair();
  const sent = new Uint8Array(1024 * 1024).map((_, i) => (i * 31 + (i >> 10)) & 0xff);
  const writing = writeAll(sessions.server, sent);
  // Nothing is read for a while: the session pauses its socket at 64 KiB held.
  const { socket } = sessions.client;
  await waitFor(() => socket.isPaused(), "the pause");
  const received = new Uint8Array(sent.length);
  assert.equal(await readFull(sessions.client, received), sent.length);
  await writing;
  assert.deepEqual(received, sent);
});

Deno.test("TlsStream.closeWrite() ends one direction: the peer reads the end and still answers", async () => {
  using sessions = await pair();
  await writeAll(sessions.client, new Uint8Array([1, 2, 3]));
  await sessions.client.closeWrite();
  const buffer = new Uint8Array(10);
  assert.equal(await readFull(sessions.server, buffer), 3);
  assert.equal(await sessions.server.read(buffer), null);
  await writeAll(sessions.server, new Uint8Array([4, 5]));
  await sessions.server.finish();
  assert.equal(await readFull(sessions.client, buffer), 2);
  assert.deepEqual(buffer.subarray(0, 2), Uint8Array.of(4, 5));
});

Deno.test("TlsStream: the owner's close of the connection fails a waiting read with Deno's error", async () => {
  const sessions = await pair();
  const waiting = sessions.server.read(new Uint8Array(10));
  await writeAll(sessions.client, new Uint8Array([1])); // the handshake is done
  assert.equal(await waiting, 1);
  const next = sessions.server.read(new Uint8Array(10));
  sessions[Symbol.dispose]();
  await assert.rejects(
    next,
    (error) => error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted,
  );
  await sessions.server.finish(); // nothing to send: resolves
});
