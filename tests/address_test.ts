import assert from "node:assert/strict";
import { formatHostPort, parseHostPort, parseListenAddress } from "../lib/address.ts";
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
