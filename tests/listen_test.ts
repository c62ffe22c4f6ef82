import assert from "node:assert/strict";
import { EchoError } from "../lib/errors.ts";
import { listenTcp } from "../lib/listen.ts";

Deno.test("listenTcp() listens on the address given, port 0 picking a free one", () => {
  using listener = listenTcp("127.0.0.1", 0, 10);
  const addr = listener.addr;
  assert.equal(addr.hostname, "127.0.0.1");
  assert.ok(addr.port > 0);
});

Deno.test("listenTcp() throws EchoError 'listen' for an address in use", () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = taken.addr.port;
  assert.throws(() => listenTcp("127.0.0.1", port, 10), (error) => {
    assert.ok(error instanceof EchoError);
    assert.equal(error.code, "listen");
    assert.equal(error.message, `Cannot listen on "127.0.0.1:${port}": address in use`);
    assert.ok(error.cause instanceof Deno.errors.AddrInUse);
    return true;
  });
});

Deno.test("listenTcp() says when the address is not one of this machine", () => {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of a test machine.
  assert.throws(() => listenTcp("192.0.2.1", 0, 10), (error) => {
    assert.ok(error instanceof EchoError);
    assert.equal(error.code, "listen");
    assert.equal(error.message, 'Cannot listen on "192.0.2.1:0": not an address of this machine');
    assert.ok(error.cause instanceof Deno.errors.AddrNotAvailable);
    return true;
  });
});
