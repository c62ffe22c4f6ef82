import assert from "node:assert/strict";
import { canonicalAddress, parseAddress, parseCidr } from "../lib/cidr.ts";
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

Deno.test("parseAddress() reads every spelling of an IPv4-mapped address as its IPv4 address", () => {
  const v4 = Uint8Array.of(127, 0, 0, 1);
  for (
    const spelling of [
      "::ffff:127.0.0.1",
      "::FFFF:127.0.0.1",
      "::ffff:7f00:1",
      "::FFFF:7F00:0001",
      "0:0:0:0:0:ffff:7f00:1",
      "0:0:0:0:0:FFFF:127.0.0.1",
      "0000:0000:0000:0000:0000:ffff:7f00:0001",
    ]
  ) {
    assert.deepEqual(parseAddress(spelling), v4, spelling);
  }
  assert.equal(parseAddress("::ffff:127.0.0.256"), undefined);
  assert.equal(parseAddress("1:2:3:4:5:6:7:127.0.0.1"), undefined, "nine groups");
  assert.equal(parseAddress("::ffff:1:127.0.0.1")?.length, 16, "not mapped: an IPv6 address");
  assert.equal(parseAddress("::fffe:7f00:1")?.length, 16, "not mapped: an IPv6 address");
});

Deno.test("parseCidr() makes an IPv4-mapped range the IPv4 range it maps, in any spelling", () => {
  for (const text of ["::ffff:127.0.0.0/104", "::ffff:7f00:0/104", "::FFFF:7F00:0/104"]) {
    const range = parseCidr(text);
    assert.equal(range.text, text);
    assert.ok(range.contains("127.0.0.1"), `${text} contains 127.0.0.1`);
    assert.ok(range.contains("127.255.0.9"), `${text} contains 127.255.0.9`);
    assert.ok(range.contains("::ffff:127.0.0.1"), `${text} contains ::ffff:127.0.0.1`);
    assert.ok(!range.contains("128.0.0.1"), `${text} does not contain 128.0.0.1`);
    assert.ok(!range.contains("::1"), `${text} does not contain ::1`);
  }
  for (const text of ["::ffff:7f00:1", "::ffff:127.0.0.1/128", "0:0:0:0:0:ffff:7f00:1"]) {
    const one = parseCidr(text);
    assert.ok(one.contains("127.0.0.1"), text);
    assert.ok(one.contains("::FFFF:7f00:1"), text);
    assert.ok(!one.contains("127.0.0.2"), text);
  }
  assert.ok(parseCidr("::ffff:0:0/96").contains("203.0.113.9"), "every IPv4 address");
  // An IPv6 range wider than the mapped block matches IPv6 peers only, as before.
  assert.ok(!parseCidr("::/0").contains("127.0.0.1"));
  assert.ok(parseCidr("::/0").contains("::1"));
  assert.throws(() => parseCidr("::ffff:127.0.0.0/129"), ValueError);
});

Deno.test("canonicalAddress() gives one spelling per address, and leaves other text alone", () => {
  assert.equal(canonicalAddress("127.0.0.1"), "127.0.0.1");
  assert.equal(canonicalAddress("::ffff:7f00:1"), "127.0.0.1");
  assert.equal(canonicalAddress("0:0:0:0:0:FFFF:127.0.0.1"), "127.0.0.1");
  assert.equal(canonicalAddress("::1"), "0:0:0:0:0:0:0:1");
  assert.equal(canonicalAddress("0:0::1"), "0:0:0:0:0:0:0:1");
  assert.equal(canonicalAddress("FD00::A"), "fd00:0:0:0:0:0:0:a");
  assert.equal(canonicalAddress("not an address"), "not an address");
});
