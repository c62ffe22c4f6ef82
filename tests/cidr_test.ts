import assert from "node:assert/strict";
import { parseAddress, parseCidr } from "../lib/cidr.ts";
import { ValueError } from "../lib/errors.ts";

Deno.test("parseCidr() matches IPv4, IPv6 and IPv4-mapped IPv6 addresses by prefix", () => {
  const v4 = parseCidr("10.1.0.0/16");
  assert.ok(v4.contains("10.1.255.3"));
  assert.ok(v4.contains("::ffff:10.1.0.1"));
  assert.ok(!v4.contains("10.2.0.1"));
  assert.ok(!v4.contains("::1"));
  const odd = parseCidr("192.168.0.0/23");
  assert.ok(odd.contains("192.168.1.200"));
  assert.ok(!odd.contains("192.168.2.1"));
  const v6 = parseCidr("fd00::/8");
  assert.ok(v6.contains("fd12:3456::1"));
  assert.ok(!v6.contains("fe80::1"));
  assert.ok(!v6.contains("10.1.0.1"));
  assert.ok(parseCidr("::1").contains("::1"));
  assert.ok(!parseCidr("::1").contains("::2"));
  assert.ok(parseCidr("0.0.0.0/0").contains("203.0.113.9"));
  assert.ok(parseCidr("::/0").contains("2001:db8::1"));
  for (
    const bad of [
      "10.0.0.0/33",
      "::1/129",
      "10.0.0/8",
      "300.0.0.1",
      "fe80:::1",
      "x",
      "1.2.3.4/8/8",
      "",
    ]
  ) {
    assert.throws(() => parseCidr(bad), ValueError, bad);
  }
});

Deno.test("parseAddress() expands IPv6 forms", () => {
  assert.deepEqual(parseAddress("::"), new Uint8Array(16));
  assert.deepEqual(parseAddress("1::"), Uint8Array.of(0, 1, ...new Array(14).fill(0)));
  assert.deepEqual(
    parseAddress("2001:db8:0:0:0:0:0:1"),
    parseAddress("2001:db8::1"),
  );
  assert.equal(parseAddress("1:2:3:4:5:6:7"), undefined);
  assert.equal(parseAddress("1:2:3:4:5:6:7:8:9"), undefined);
  assert.equal(parseAddress("1::2::3"), undefined);
});
