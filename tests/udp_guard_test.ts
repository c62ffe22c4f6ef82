/** The UDP server's guards, each reason on its own, and the order they are checked in. */
import assert from "node:assert/strict";
import { parseCidr } from "../lib/cidr.ts";
import { REFLECTOR_PORTS, UdpGuard } from "../lib/udp_guard.ts";

const from = (hostname: string, port: number): Deno.NetAddr => ({
  transport: "udp",
  hostname,
  port,
});

Deno.test("UdpGuard never answers the reflector ports and port 0", () => {
  assert.deepEqual([...REFLECTOR_PORTS].sort((a, b) => a - b), [
    0,
    7,
    13,
    19,
    37,
    53,
    123,
    161,
    1900,
    11211,
  ]);
  const guard = new UdpGuard();
  for (const port of REFLECTOR_PORTS) {
    assert.equal(guard.admit(from("10.0.0.1", port), 10, 0), "source-port", `port ${port}`);
  }
  for (const port of [8, 1024, 65535]) {
    assert.equal(typeof guard.admit(from("10.0.0.1", port), 10, 0), "object", `port ${port}`);
  }
  assert.equal(guard.refusals["source-port"], REFLECTOR_PORTS.length);
});

Deno.test("UdpGuard refuses a datagram larger than the size, and takes one of exactly it", () => {
  const guard = new UdpGuard({ maxDatagramBytes: 250 });
  assert.equal(guard.admit(from("10.0.0.1", 5000), 251, 0), "too-large");
  assert.equal(typeof guard.admit(from("10.0.0.1", 5000), 250, 0), "object");
});

Deno.test("UdpGuard answers only the allowed ranges, IPv4-mapped senders included", () => {
  const guard = new UdpGuard({ allow: [parseCidr("10.0.0.0/8"), parseCidr("fd00::/8")] });
  assert.equal(typeof guard.admit(from("10.9.9.9", 5000), 10, 0), "object");
  assert.equal(typeof guard.admit(from("::ffff:10.9.9.8", 5000), 10, 0), "object");
  assert.equal(typeof guard.admit(from("fd00::1", 5000), 10, 0), "object");
  assert.equal(guard.admit(from("192.0.2.1", 5000), 10, 0), "not-allowed");
  assert.equal(guard.admit(from("::1", 5000), 10, 0), "not-allowed");
});

Deno.test("UdpGuard cuts one source to its rate; another source still gets its answers", () => {
  const guard = new UdpGuard({ sourceRate: 100, sourceBurst: 5, globalRate: 1e6 });
  let answered = 0;
  // A flood from one address, from any port: 1,000 datagrams in 100 ms.
  for (let i = 0; i < 1000; i++) {
    if (typeof guard.admit(from("10.0.0.1", 40000 + (i % 7)), 10, i / 10) === "object") {
      answered++;
    }
  }
  assert.ok(answered >= 5 + 9 && answered <= 5 + 10, `${answered} answered`);
  assert.equal(guard.refusals["source-rate"], 1000 - answered);
  for (let i = 0; i < 5; i++) {
    assert.equal(typeof guard.admit(from("10.0.0.2", 40000), 10, 100), "object");
  }
});

Deno.test("UdpGuard's global rate holds over all sources; a flooder spends only its own", () => {
  const guard = new UdpGuard({ sourceRate: 1, sourceBurst: 2, globalRate: 1, globalBurst: 4 });
  // The first source floods: it gets its burst of 2, the rest is its own rate's refusal.
  for (let i = 0; i < 50; i++) guard.admit(from("10.0.0.1", 5000), 10, 0);
  assert.deepEqual(
    [guard.refusals["source-rate"], guard.refusals["global-rate"]],
    [48, 0],
  );
  // Two more sources: the global bucket has 2 tokens left for them in all.
  const results = ["10.0.0.2", "10.0.0.3", "10.0.0.2", "10.0.0.3"].map((address) =>
    guard.admit(from(address, 5000), 10, 0)
  );
  assert.deepEqual(results.map((result) => typeof result === "string" ? result : "answered"), [
    "answered",
    "answered",
    "global-rate",
    "global-rate",
  ]);
});

Deno.test("UdpGuard counts every datagram and refusal for its source's log", () => {
  const guard = new UdpGuard({ maxDatagramBytes: 10 });
  guard.admit(from("10.0.0.1", 19), 5, 0);
  guard.admit(from("10.0.0.1", 5000), 50, 0);
  guard.admit(from("10.0.0.1", 5000), 5, 0);
  const [source] = guard.sources.report(10, 0).sources;
  assert.deepEqual(source, {
    address: "10.0.0.1",
    received: 3,
    answered: 0, // the server counts the answer once it is sent
    bytes: 0,
    refused: 2,
    refusedBy: { "source-port": 1, "too-large": 1 },
    sendErrors: 0,
  });
});
