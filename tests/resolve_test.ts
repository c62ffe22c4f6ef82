import assert from "node:assert/strict";
import { ProbeError } from "../lib/errors.ts";
import { literalFamily, resolveAddresses, type Resolver } from "../lib/resolve.ts";

/** A resolver that answers with `answer(hostname)` and records each question. */
function fakeResolver(answer: (hostname: string) => string | string[]) {
  const asked: [string, 4 | 6 | undefined][] = [];
  const resolver: Resolver = (hostname, family) => {
    asked.push([hostname, family]);
    return Promise.resolve().then(() => answer(hostname));
  };
  return { resolver, asked };
}

/** A resolver that never answers, and tells whether it was given a signal that aborted. */
function silentResolver() {
  const state = { asked: 0, aborted: false };
  const resolver: Resolver = (_hostname, _family, signal) => {
    state.asked++;
    signal?.addEventListener("abort", () => state.aborted = true, { once: true });
    return new Promise<string>(() => {});
  };
  return { resolver, state };
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

Deno.test("literalFamily() takes no invalid literal for an address", () => {
  for (const text of ["999.1.1.1", "1.2.3.256", "01.2.3.4", "::1:20005", "1::2::3", ":::"]) {
    assert.equal(literalFamily(text), undefined, text);
  }
});

Deno.test("resolveAddresses() returns a literal as it is, without asking the resolver", async () => {
  const { resolver, asked } = fakeResolver(() => "192.0.2.1");
  assert.deepEqual(await resolveAddresses("127.0.0.1", { resolver }), ["127.0.0.1"]);
  assert.deepEqual(await resolveAddresses("127.0.0.1", { family: 4, resolver }), ["127.0.0.1"]);
  assert.deepEqual(await resolveAddresses("::1", { family: 6, resolver }), ["::1"]);
  assert.deepEqual(asked, []);
});

Deno.test("resolveAddresses() refuses a literal of the other family, code resolve", async () => {
  const { resolver } = fakeResolver(() => "192.0.2.1");
  await assert.rejects(
    resolveAddresses("::1", { family: 4, resolver, seq: 2, port: 3005 }),
    (error) => {
      assert.ok(error instanceof ProbeError);
      assert.equal(error.code, "resolve");
      assert.equal(error.message, '"::1" is not an IPv4 address');
      assert.deepEqual(error.details, { seq: 2, host: "::1", port: 3005, phase: "resolve" });
      return true;
    },
  );
  await assert.rejects(resolveAddresses("127.0.0.1", { family: 6, resolver, seq: 3 }), {
    code: "resolve",
    message: '"127.0.0.1" is not an IPv6 address',
  });
});

Deno.test("resolveAddresses() refuses a number that is no IPv4 address, without a lookup", async () => {
  const { resolver, asked } = fakeResolver(() => "192.0.2.1");
  await assert.rejects(resolveAddresses("999.1.1.1", { resolver }), {
    code: "resolve",
    message: 'Invalid host "999.1.1.1": expected an IPv4 address: four numbers from 0 to 255',
  });
  assert.deepEqual(asked, []);
});

Deno.test("resolveAddresses() asks the resolver for a name, with the family", async () => {
  const { resolver, asked } = fakeResolver(() => "192.0.2.7");
  assert.deepEqual(await resolveAddresses("echo.test", { resolver }), ["192.0.2.7"]);
  assert.deepEqual(await resolveAddresses("echo.test", { family: 4, resolver }), ["192.0.2.7"]);
  assert.deepEqual(asked, [["echo.test", undefined], ["echo.test", 4]]);
});

Deno.test("resolveAddresses() keeps every address once, in order, of the family asked", async () => {
  const { resolver } = fakeResolver(() => ["::1", "127.0.0.1", "::1", "10.0.0.7", "bogus"]);
  assert.deepEqual(await resolveAddresses("echo.test", { resolver }), [
    "::1",
    "127.0.0.1",
    "10.0.0.7",
  ]);
  // A resolver that ignores the family is held to it.
  assert.deepEqual(await resolveAddresses("echo.test", { family: 4, resolver }), [
    "127.0.0.1",
    "10.0.0.7",
  ]);
  const { resolver: onlyFour } = fakeResolver(() => ["127.0.0.1"]);
  await assert.rejects(resolveAddresses("echo.test", { family: 6, resolver: onlyFour }), {
    code: "resolve",
    message: 'Cannot resolve "echo.test" to an IPv6 address',
  });
});

Deno.test("resolveAddresses() turns a resolver failure into code resolve, with the cause", async () => {
  const failure = Object.assign(new Error("getaddrinfo ENOTFOUND x"), { code: "ENOTFOUND" });
  const resolver: Resolver = () => Promise.reject(failure);
  await assert.rejects(resolveAddresses("x", { resolver, seq: 5 }), (error) => {
    assert.ok(error instanceof ProbeError);
    assert.equal(error.code, "resolve");
    assert.equal(error.message, 'Cannot resolve "x"');
    assert.deepEqual(error.details, { seq: 5, host: "x", phase: "resolve" });
    assert.equal(error.cause, failure);
    return true;
  });
  await assert.rejects(resolveAddresses("x", { family: 6, resolver, seq: 6 }), {
    code: "resolve",
    message: 'Cannot resolve "x" to an IPv6 address',
  });
});

Deno.test("resolveAddresses() gives up on a resolver that never answers at its timeout", async () => {
  const { resolver, state } = silentResolver();
  const started = performance.now();
  await assert.rejects(
    resolveAddresses("slow.test", { resolver, timeoutMs: 100, seq: 4, port: 3005 }),
    (error) => {
      assert.ok(error instanceof ProbeError);
      assert.equal(error.code, "resolve");
      assert.equal(error.message, 'Timeout after 100ms resolving "slow.test"');
      assert.deepEqual(error.details, { seq: 4, host: "slow.test", port: 3005, phase: "resolve" });
      return true;
    },
  );
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 95 && elapsed < 2_000, `${elapsed} ms`);
  assert.deepEqual(state, { asked: 1, aborted: true }, "the resolver is told to stop");
});

Deno.test("resolveAddresses() rejects with the caller's reason when its signal aborts", async () => {
  const { resolver } = silentResolver();
  const controller = new AbortController();
  const reason = new Error("interrupted");
  const resolving = resolveAddresses("slow.test", { resolver, signal: controller.signal });
  controller.abort(reason);
  await assert.rejects(resolving, (error) => error === reason);
  await assert.rejects(
    resolveAddresses("slow.test", { resolver, signal: AbortSignal.abort(reason) }),
    (error) => error === reason,
  );
});
