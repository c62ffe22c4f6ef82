import assert from "node:assert/strict";
import { ProbeError } from "../lib/errors.ts";
import { literalFamily, resolveAddress, type Resolver } from "../lib/resolve.ts";

/** A resolver that answers with `answer(hostname)` and records each question. */
function fakeResolver(answer: (hostname: string) => string) {
  const asked: [string, 4 | 6 | undefined][] = [];
  const resolver: Resolver = (hostname, family) => {
    asked.push([hostname, family]);
    return Promise.resolve().then(() => answer(hostname));
  };
  return { resolver, asked };
}

Deno.test("literalFamily() tells IPv4 and IPv6 literals from names", () => {
  assert.equal(literalFamily("127.0.0.1"), 4);
  assert.equal(literalFamily("10.0.0.7"), 4);
  assert.equal(literalFamily("::1"), 6);
  assert.equal(literalFamily("fe80::1:2"), 6);
  assert.equal(literalFamily("::ffff:10.0.0.1"), 6);
  assert.equal(literalFamily("localhost"), undefined);
  assert.equal(literalFamily("db.internal"), undefined);
  assert.equal(literalFamily("1.2.3"), undefined);
  assert.equal(literalFamily("1.2.3.4.example"), undefined);
});

Deno.test("resolveAddress() returns a literal as it is, without asking the resolver", async () => {
  const { resolver, asked } = fakeResolver(() => "192.0.2.1");
  assert.equal(await resolveAddress("127.0.0.1", undefined, resolver, 1), "127.0.0.1");
  assert.equal(await resolveAddress("127.0.0.1", 4, resolver, 1), "127.0.0.1");
  assert.equal(await resolveAddress("::1", 6, resolver, 1), "::1");
  assert.deepEqual(asked, []);
});

Deno.test("resolveAddress() refuses a literal of the other family, code resolve", async () => {
  const { resolver } = fakeResolver(() => "192.0.2.1");
  await assert.rejects(resolveAddress("::1", 4, resolver, 2), (error) => {
    assert.ok(error instanceof ProbeError);
    assert.equal(error.code, "resolve");
    assert.equal(error.message, '"::1" is not an IPv4 address');
    assert.deepEqual(error.details, { seq: 2 });
    return true;
  });
  await assert.rejects(resolveAddress("127.0.0.1", 6, resolver, 3), {
    code: "resolve",
    message: '"127.0.0.1" is not an IPv6 address',
  });
});

Deno.test("resolveAddress() asks the resolver for a name, with the family", async () => {
  const { resolver, asked } = fakeResolver(() => "192.0.2.7");
  assert.equal(await resolveAddress("echo.test", undefined, resolver, 1), "192.0.2.7");
  assert.equal(await resolveAddress("echo.test", 4, resolver, 2), "192.0.2.7");
  assert.deepEqual(asked, [["echo.test", undefined], ["echo.test", 4]]);
});

Deno.test("resolveAddress() turns a resolver failure into code resolve, with the cause", async () => {
  const failure = Object.assign(new Error("getaddrinfo ENOTFOUND x"), { code: "ENOTFOUND" });
  const resolver: Resolver = () => Promise.reject(failure);
  await assert.rejects(resolveAddress("x", undefined, resolver, 5), (error) => {
    assert.ok(error instanceof ProbeError);
    assert.equal(error.code, "resolve");
    assert.equal(error.message, 'Cannot resolve "x"');
    assert.deepEqual(error.details, { seq: 5 });
    assert.equal(error.cause, failure);
    return true;
  });
  await assert.rejects(resolveAddress("x", 6, resolver, 6), {
    code: "resolve",
    message: 'Cannot resolve "x" to an IPv6 address',
  });
});
