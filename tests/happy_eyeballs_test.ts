/** RFC 8305 connection attempts over loopback: refused, silent and listening addresses. */
import assert from "node:assert/strict";
import { ConnectFailure, connectFirst, interleaveFamilies } from "../lib/happy_eyeballs.ts";
import { closedPort, hasIpv6Loopback, silentIpv6BesideIpv4, silentListener } from "./helpers.ts";

Deno.test("interleaveFamilies() alternates the families, the first address's family first", () => {
  assert.deepEqual(interleaveFamilies(["::1", "::2", "::3", "127.0.0.1"]), [
    "::1",
    "127.0.0.1",
    "::2",
    "::3",
  ]);
  assert.deepEqual(interleaveFamilies(["10.0.0.1", "10.0.0.2", "fd00::1", "fd00::2"]), [
    "10.0.0.1",
    "fd00::1",
    "10.0.0.2",
    "fd00::2",
  ]);
  assert.deepEqual(interleaveFamilies(["10.0.0.1"]), ["10.0.0.1"]);
  assert.deepEqual(interleaveFamilies([]), []);
});

Deno.test("connectFirst() starts the next attempt at once when one is refused", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.3", port: 0 });
  const { port } = listener.addr;
  const refused = Deno.listen({ hostname: "127.0.0.2", port }); // the same port, then closed
  refused.close();
  const started = performance.now();
  const { conn, address, attempts } = await connectFirst(["127.0.0.2", "127.0.0.3"], port, {
    attemptDelayMs: 5_000,
  });
  conn.close();
  assert.ok(performance.now() - started < 2_500, "no wait for the attempt delay");
  assert.equal(address, "127.0.0.3");
  assert.deepEqual(attempts.map(({ address, error }) => [address, error]), [
    ["127.0.0.2", "refused"],
    ["127.0.0.3", undefined],
  ]);
  assert.ok(attempts.every((attempt) => attempt.ms >= 0));
});

Deno.test({
  name: "connectFirst() starts the next family after the attempt delay, cancels the silent one",
  ignore: !hasIpv6Loopback(),
  async fn() {
    using pair = await silentIpv6BesideIpv4();
    const started = performance.now();
    const { conn, address, attempts } = await connectFirst(["::1", "127.0.0.1"], pair.port, {
      attemptDelayMs: 150,
    });
    const elapsed = performance.now() - started;
    conn.close();
    (await pair.listener.accept()).close();
    assert.equal(address, "127.0.0.1");
    assert.ok(elapsed >= 145, `the second attempt waited the delay: ${elapsed} ms`);
    assert.deepEqual(attempts.map(({ address, error }) => [address, error]), [
      ["::1", "cancelled"],
      ["127.0.0.1", undefined],
    ]);
    assert.ok(attempts[0]!.ms >= 145, "the silent attempt ran until the other won");
  },
});

Deno.test("connectFirst() fails with every attempt when no address answers", async () => {
  const port = closedPort();
  const failure = await connectFirst(["127.0.0.1", "127.0.0.2"], port, { attemptDelayMs: 250 })
    .catch((error) => error);
  assert.ok(failure instanceof ConnectFailure, String(failure));
  assert.equal(failure.aborted, false);
  assert.deepEqual(failure.attempts.map(({ address, error }) => [address, error]), [
    ["127.0.0.1", "refused"],
    ["127.0.0.2", "refused"],
  ]);
  assert.ok(failure.causes[0] instanceof Deno.errors.ConnectionRefused);
  assert.equal(failure.message, "127.0.0.1 refused, 127.0.0.2 refused");
});

Deno.test("connectFirst() ends every attempt when its signal aborts, as timeouts", async () => {
  using silent = await silentListener("127.0.0.1");
  const controller = new AbortController();
  const connecting = connectFirst(["127.0.0.1"], silent.port, {
    attemptDelayMs: 250,
    signal: controller.signal,
  });
  controller.abort();
  const failure = await connecting.catch((error) => error);
  assert.ok(failure instanceof ConnectFailure, String(failure));
  assert.equal(failure.aborted, true);
  assert.deepEqual(failure.attempts.map(({ error }) => error), ["timeout"]);
  const never = await connectFirst(["127.0.0.1"], silent.port, {
    attemptDelayMs: 250,
    signal: AbortSignal.abort(),
  }).catch((error) => error);
  assert.ok(never instanceof ConnectFailure && never.attempts.length === 0);
});
