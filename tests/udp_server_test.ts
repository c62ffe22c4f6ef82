/**
 * The UDP echo server over real sockets: the echo, and each guard as a sender meets it
 * (size, reflector source port, --allow, the per-source rate against a flood).
 */
import assert from "node:assert/strict";
import { parseCidr } from "../lib/cidr.ts";
import { serveUdp } from "../lib/udp_server.ts";
import { hasIpv6Loopback, waitFor } from "./helpers.ts";
import { otherLoopback, receiveCount, TestSocket } from "./udp_helpers.ts";

Deno.test("serveUdp() echoes each datagram, byte for byte, to the port it came from", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0 });
  await using one = new TestSocket();
  await using two = new TestSocket();
  const sent = crypto.getRandomValues(new Uint8Array(250));
  await one.send(sent, server.addr.port);
  await two.send(sent.subarray(0, 1), server.addr.port);
  const [echo, from] = await one.receive();
  assert.deepEqual(echo, sent);
  assert.deepEqual([from.hostname, from.port], ["127.0.0.1", server.addr.port]);
  assert.deepEqual((await two.receive())[0], sent.subarray(0, 1));
  assert.deepEqual(server.stats(), {
    received: 2,
    answered: 2,
    bytes: 251,
    refused: {
      "too-large": 0,
      "source-port": 0,
      "not-allowed": 0,
      "source-rate": 0,
      "global-rate": 0,
    },
    sendErrors: 0,
    sources: 1,
  });
});

Deno.test({
  name: "serveUdp() echoes over IPv6 loopback",
  ignore: !hasIpv6Loopback(),
  async fn() {
    await using server = serveUdp({ hostname: "::1", port: 0 });
    await using client = new TestSocket("::1");
    await client.send(Uint8Array.of(1, 2, 3), {
      transport: "udp",
      hostname: "::1",
      port: server.addr.port,
    });
    assert.deepEqual((await client.receive())[0], Uint8Array.of(1, 2, 3));
  },
});

Deno.test("a datagram larger than --size gets no answer; one of exactly --size does", async () => {
  await using server = serveUdp({ hostname: "127.0.0.1", port: 0, maxDatagramBytes: 100 });
  await using client = new TestSocket();
  await client.send(new Uint8Array(101).fill(1), server.addr.port);
  await client.send(new Uint8Array(100).fill(2), server.addr.port);
  // The server takes datagrams in order: had it answered the first, that echo came first.
  assert.deepEqual((await client.receive())[0], new Uint8Array(100).fill(2));
  assert.equal(server.stats().refused["too-large"], 1);
  await client.send(new Uint8Array(65_000), server.addr.port); // cut to the buffer: still too large
  await client.send(Uint8Array.of(3), server.addr.port);
  assert.deepEqual((await client.receive())[0], Uint8Array.of(3));
  assert.equal(server.stats().refused["too-large"], 2);
});

/** A socket bound to UDP port 19 (chargen), or why there can be none here. */
function chargenSocket(): TestSocket | string {
  try {
    return new TestSocket(otherLoopback(), 19);
  } catch (error) {
    if (error instanceof Deno.errors.PermissionDenied) {
      return "binding port 19 needs root (or CAP_NET_BIND_SERVICE)";
    }
    if (error instanceof Deno.errors.AddrNotAvailable) return "no 127.0.0.0/8 beyond 127.0.0.1";
    throw error;
  }
}

const chargen = chargenSocket();
if (typeof chargen === "string") {
  // deno-lint-ignore no-console -- a skipped test says why, where it is counted
  console.log(`skipped: UDP source port 19: ${chargen}`);
} else {
  await chargen[Symbol.asyncDispose]();
}

Deno.test({
  name: "a datagram from source port 19 (chargen) gets no answer; the next sender does",
  ignore: typeof chargen === "string",
  async fn() {
    await using server = serveUdp({ hostname: "0.0.0.0", port: 0 });
    const port19 = chargenSocket();
    assert.ok(port19 instanceof TestSocket, String(port19));
    await using _ = port19;
    await using other = new TestSocket();
    const watching = port19.watch();
    await port19.send(new Uint8Array(20), server.addr.port);
    await other.send(new Uint8Array(20), server.addr.port);
    await other.receive(); // answered after the datagram from port 19 was refused
    assert.equal(watching.arrived(), false);
    assert.equal(server.stats().refused["source-port"], 1);
    assert.equal(server.stats().answered, 1);
  },
});

Deno.test("--allow applies to UDP senders: others get no answer", async () => {
  const allowed = otherLoopback();
  await using server = serveUdp({
    hostname: "0.0.0.0",
    port: 0,
    allow: [parseCidr(`${allowed}/32`)],
  });
  await using outsider = new TestSocket("127.0.0.1");
  await using insider = new TestSocket(allowed);
  const watching = outsider.watch();
  await outsider.send(Uint8Array.of(1), server.addr.port);
  await insider.send(Uint8Array.of(2), server.addr.port);
  assert.deepEqual((await insider.receive())[0], Uint8Array.of(2));
  assert.equal(watching.arrived(), false);
  assert.equal(server.stats().refused["not-allowed"], 1);
});

Deno.test("a flood from one source is cut to its rate; another source still gets answers", async () => {
  const rate = 50;
  const burst = 10;
  await using server = serveUdp({
    hostname: "0.0.0.0",
    port: 0,
    sourceRate: rate,
    sourceBurst: burst,
  });
  await using flooder = new TestSocket("127.0.0.1");
  await using other = new TestSocket(otherLoopback());
  const flood = 300;
  const started = performance.now();
  // In bursts of 30 that the server takes in before the next: more at once could overflow
  // its socket's receive buffer, and the kernel would drop what the test counts on.
  for (let sent = 0; sent < flood;) {
    for (let i = 0; i < 30; i++, sent++) await flooder.send(new Uint8Array(100), server.addr.port);
    await waitFor(() => server.stats().received === sent, "the flood to arrive");
  }
  const elapsedSeconds = (performance.now() - started) / 1000;
  const { answered } = server.stats();
  // The burst at once, then `rate` a second for as long as the flood took to arrive.
  assert.ok(answered >= burst, `${answered} answered`);
  assert.ok(
    answered <= burst + Math.ceil(rate * elapsedSeconds) + 1,
    `${answered} answered in ${elapsedSeconds.toFixed(3)} s`,
  );
  assert.equal(server.stats().refused["source-rate"], flood - answered);
  assert.equal((await receiveCount(flooder, answered)).length, answered);
  // Its bucket is empty; the other source's is full.
  for (let i = 0; i < 5; i++) await other.send(Uint8Array.of(i), server.addr.port);
  const echoes = await receiveCount(other, 5);
  assert.deepEqual(echoes.map((echo) => echo[0]), [0, 1, 2, 3, 4]);
  const { sources } = server.takeSources(10);
  assert.deepEqual(
    sources.map((
      { address, received, answered, refused },
    ) => [address, received, answered, refused]),
    [["127.0.0.1", flood, answered, flood - answered], [other.addr.hostname, 5, 5, 0]],
  );
});

Deno.test("close() and the signal end the server with its totals; the port is free again", async () => {
  const controller = new AbortController();
  const server = serveUdp({ hostname: "127.0.0.1", port: 0, signal: controller.signal });
  await using client = new TestSocket();
  await client.send(Uint8Array.of(9), server.addr.port);
  await client.receive();
  controller.abort();
  const summary = await server.finished;
  assert.deepEqual([summary.received, summary.answered, summary.bytes], [1, 1, 1]);
  await using again = serveUdp({ hostname: "127.0.0.1", port: server.addr.port });
  assert.equal(again.addr.port, server.addr.port);
});
