import assert from "node:assert/strict";
import {
  formatHostPort,
  hiddenPort,
  ipFamily,
  parseHost,
  parseHostPort,
  parseListenAddress,
} from "../lib/address.ts";
import { ValueError } from "../lib/errors.ts";

Deno.test("parseHostPort() reads IPv4, names, bracketed and bare IPv6", () => {
  assert.deepEqual(parseHostPort("127.0.0.1"), { hostname: "127.0.0.1" });
  assert.deepEqual(parseHostPort("127.0.0.1:4000"), { hostname: "127.0.0.1", port: 4000 });
  assert.deepEqual(parseHostPort("localhost:7"), { hostname: "localhost", port: 7 });
  assert.deepEqual(parseHostPort("[::1]:4000"), { hostname: "::1", port: 4000 });
  assert.deepEqual(parseHostPort("[::1]"), { hostname: "::1" });
  assert.deepEqual(parseHostPort("::1"), { hostname: "::1" });
  assert.deepEqual(parseHostPort("fe80::1:2"), { hostname: "fe80::1:2" });
});

Deno.test("parseHostPort() rejects empty hosts and bad ports", () => {
  for (
    const text of ["", ":3005", "[]:3005", "host:0", "host:70000", "host:abc", "[::1]:", "a b"]
  ) {
    assert.throws(() => parseHostPort(text), ValueError, text);
  }
});

Deno.test("formatHostPort() brackets IPv6 only", () => {
  assert.equal(formatHostPort("::1", 3005), "[::1]:3005");
  assert.equal(formatHostPort("127.0.0.1", 3005), "127.0.0.1:3005");
  assert.equal(formatHostPort("localhost", 80), "localhost:80");
});

Deno.test("ipFamily() takes valid IP literals only", () => {
  for (const text of ["0.0.0.0", "127.0.0.1", "255.255.255.255", "10.0.0.7"]) {
    assert.equal(ipFamily(text), 4, text);
  }
  for (
    const text of ["::", "::1", "fe80::1%eth0", "::ffff:10.0.0.1", "2001:DB8::1", "1:2:3:4:5:6:7:8"]
  ) {
    assert.equal(ipFamily(text), 6, text);
  }
  for (
    const text of [
      "999.1.1.1",
      "1.2.3",
      "01.2.3.4",
      "1.2.3.4.5",
      "::1:20005",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "fe80::1%",
      "localhost",
      "",
    ]
  ) {
    assert.equal(ipFamily(text), undefined, text);
  }
});

Deno.test("parseHost() takes IP literals (IPv6 with or without brackets) and host names", () => {
  assert.equal(parseHost("[::1]"), "::1");
  assert.equal(parseHost("::"), "::");
  assert.equal(parseHost("0.0.0.0"), "0.0.0.0");
  assert.equal(parseHost("db-1.internal"), "db-1.internal");
  assert.equal(parseHost("_srv.example."), "_srv.example.");
  for (
    const text of ["[::1", "[127.0.0.1]", "999.1.1.1", "host.123", "-bad.example", "a b", "x/y", ""]
  ) {
    assert.throws(() => parseHost(text), ValueError, text);
  }
});

Deno.test("parseHostPort() refuses a bare IPv6 literal with a port, suggesting the brackets", () => {
  assert.throws(
    () => parseHostPort("::1:20005"),
    /^ValueError: Invalid host "::1:20005": expected \[::1\]:20005 for an IPv6 address with a port$/,
  );
  assert.throws(
    () => parseHostPort("999.1.1.1:80"),
    /Invalid host "999\.1\.1\.1": expected an IPv4/,
  );
  // A valid IPv6 literal that ends in a number stays an address: it has no port.
  assert.deepEqual(parseHostPort("2001:db8::1:3005"), { hostname: "2001:db8::1:3005" });
});

Deno.test("hiddenPort() finds the port a bare IPv6 literal may hide, and nothing else", () => {
  assert.deepEqual(hiddenPort("::1:3005"), { hostname: "::1", port: 3005 });
  assert.deepEqual(hiddenPort("fe80::1:2"), { hostname: "fe80::1", port: 2 });
  for (
    const text of ["[::1]:3005", "::1", "fe80::1:abcd", "127.0.0.1:3005", "::1:0", "::1:99999"]
  ) {
    assert.equal(hiddenPort(text), undefined, text);
  }
});

Deno.test("parseListenAddress() needs a port, allows 0, and brackets IPv6", () => {
  assert.deepEqual(parseListenAddress("0.0.0.0:3006"), { hostname: "0.0.0.0", port: 3006 });
  assert.deepEqual(parseListenAddress("localhost:0"), { hostname: "localhost", port: 0 });
  assert.deepEqual(parseListenAddress("[::]:65535"), { hostname: "::", port: 65535 });
  for (const text of ["", "127.0.0.1", ":3006", "::1:3006", "[::1]", "h:65536", "h:-1", "a b:1"]) {
    assert.throws(
      () => parseListenAddress(text),
      { name: "ValueError", value: text },
      `"${text}" is refused`,
    );
  }
});

Deno.test("parseListenAddress() checks the host as parseHost() does", () => {
  for (const [text, host] of [["999.1.1.1:0", "999.1.1.1"], ["[10.0.0.1]:0", "[10.0.0.1]"]]) {
    assert.throws(() => parseListenAddress(text!), { name: "ValueError", value: host }, text);
  }
  assert.deepEqual(parseListenAddress("db-1.internal:9000"), {
    hostname: "db-1.internal",
    port: 9000,
  });
});
