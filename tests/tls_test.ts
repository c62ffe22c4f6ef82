/**
 * The probe's TLS handshake (lib/tls.ts): what it verifies, what it reports, and why
 * it refuses, against echoprobe's own TLS server with certificates of a test CA.
 */
import assert from "node:assert/strict";
import { certificateSha256, selfSignedCertificate } from "../lib/certificate.ts";
import { ProbeError } from "../lib/errors.ts";
import { probe, Prober } from "../lib/probe.ts";
import type { ProbeOptions } from "../lib/probe_options.ts";
import { readFull } from "../lib/record.ts";
import type { Resolver } from "../lib/resolve.ts";
import { serve } from "../lib/server.ts";
import { prepareTls } from "../lib/tls.ts";
import type { TlsOptions } from "../lib/tls_options.ts";
import { serverTls } from "../lib/tls_server.ts";
import type { TlsStream } from "../lib/tls_stream.ts";
import { FakeServer } from "./helpers.ts";
import { type CertName, TestPki } from "./tls_fixtures.ts";

const pki = await TestPki.create();

/** A TLS echo server with one of the test certificates. */
async function tlsServer(name: CertName) {
  return serve({
    hostname: "127.0.0.1",
    port: 0,
    timeoutMs: 5_000,
    tls: await serverTls({ cert: pki.cert(name), key: pki.key(name) }),
  });
}

/** The error of a probe that must fail. */
async function failure(options: ProbeOptions): Promise<ProbeError> {
  const error = await probe({ timeoutMs: 5_000, ...options }).then(
    () => assert.fail("the probe succeeded"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof ProbeError, `a ProbeError, not ${error}`);
  return error;
}

Deno.test("a TLS probe verifies chain and name, and reports the version, checks and certificate", async () => {
  await using server = await tlsServer("good");
  const tls: TlsOptions = { caCerts: [pki.ca] };
  const result = await probe({ hostname: "127.0.0.1", port: server.addr.port, tls });
  assert.equal(result.bytes, 250);
  assert.equal(result.tls?.version, "TLSv1.3");
  assert.deepEqual(result.tls?.verified, ["chain", "name"]);
  const { certificate } = result.tls!;
  assert.equal(certificate.subject, "CN=good");
  assert.equal(certificate.issuer, "CN=Test ca");
  assert.equal(certificate.sha256, await certificateSha256(pki.cert("good")));
  const daysLeft = (certificate.notAfter.getTime() - Date.now()) / 86_400_000;
  assert.ok(daysLeft > 29 && daysLeft <= 30, `${daysLeft} days left of 30`);
  // The phases: the connect, then the handshake, then the echo.
  assert.ok(result.tlsMs! > 0);
  const phases = result.connectMs + result.tlsMs! + result.echoMs;
  assert.ok(Math.abs(result.timeMs - phases) < 0.001, `${result.timeMs} = ${phases}`);
});

Deno.test("a TLS probe refuses what does not verify, with the reason", async (t) => {
  const cases: [string, CertName, ProbeOptions, string, RegExp][] = [
    [
      "another name",
      "wrong",
      { hostname: "127.0.0.1", tls: { caCerts: [pki.ca] } },
      "name-mismatch",
      /^Certificate is not for "127\.0\.0\.1" but for DNS:example\.com$/,
    ],
    [
      "an expired one",
      "expired",
      { hostname: "127.0.0.1", tls: { caCerts: [pki.ca] } },
      "expired",
      /^Certificate expired on 2020-02-01T00:00:00Z, \d+ days ago$/,
    ],
    [
      "another CA's",
      "stranger",
      { hostname: "127.0.0.1", tls: { caCerts: [pki.ca] } },
      "unknown-issuer",
      /^Certificate issuer "CN=Test stranger-ca" is not trusted$/,
    ],
    // Without caCerts, the runtime's root store: the test CA is no part of it.
    [
      "a private CA's, no caCerts",
      "good",
      { hostname: "127.0.0.1", tls: {} },
      "unknown-issuer",
      /^Certificate issuer "CN=Test ca" is not trusted$/,
    ],
    [
      "a pinned one that is not it",
      "good",
      { hostname: "127.0.0.1", tls: { caCerts: [pki.ca], pinSha256: "00".repeat(32) } },
      "pin-mismatch",
      /^Certificate sha256 "[0-9A-F:]{95}" is not the pinned one$/,
    ],
  ];
  for (const [what, name, options, reason, message] of cases) {
    await t.step(what, async () => {
      await using server = await tlsServer(name);
      const error = await failure({ ...options, port: server.addr.port });
      assert.equal(error.code, "tls");
      const { local, ...details } = error.details;
      assert.deepEqual(details, {
        seq: 1,
        host: "127.0.0.1",
        address: "127.0.0.1",
        port: server.addr.port,
        phase: "tls",
        reason,
      });
      assert.match(local!, /^127\.0\.0\.1:\d+$/, "the failure says where, as other failures do");
      assert.match(error.message, message);
    });
  }
});

Deno.test("a self-signed certificate is refused unless pinned or trusted as its own CA", async () => {
  const made = await selfSignedCertificate();
  await using server = serve({ hostname: "127.0.0.1", port: 0, tls: await serverTls(made) });
  const target = { hostname: "localhost", port: server.addr.port };
  const refused = await failure({ ...target, tls: {} });
  assert.equal(refused.details.reason, "unknown-issuer");
  assert.equal(refused.message, 'Certificate is self-signed ("CN=echoprobe") and not trusted');
  const trusted = await probe({ ...target, tls: { caCerts: [made.cert] } });
  assert.deepEqual(trusted.tls?.verified, ["chain", "name"]);
  const pinned = await probe({
    ...target,
    tls: { insecureSkipVerify: true, pinSha256: made.sha256.toLowerCase() },
  });
  assert.deepEqual(pinned.tls?.verified, ["pin"]);
  assert.equal(pinned.tls?.certificate.sha256, made.sha256);
});

Deno.test("insecureSkipVerify: nothing checked alone; with caCerts the chain, never the name", async () => {
  await using wrongName = await tlsServer("wrong");
  await using stranger = await tlsServer("stranger");
  const nothing = await probe({
    hostname: "127.0.0.1",
    port: stranger.addr.port,
    tls: { insecureSkipVerify: true },
  });
  assert.deepEqual(nothing.tls?.verified, []);
  const chain = await probe({
    hostname: "127.0.0.1",
    port: wrongName.addr.port,
    tls: { insecureSkipVerify: true, caCerts: [pki.ca] },
  });
  assert.deepEqual(chain.tls?.verified, ["chain"]);
  const error = await failure({
    hostname: "127.0.0.1",
    port: stranger.addr.port,
    tls: { insecureSkipVerify: true, caCerts: [pki.ca] },
  });
  assert.equal(error.details.reason, "unknown-issuer");
});

Deno.test("serverName is the name sent and checked, whatever the address probed", async () => {
  await using server = await tlsServer("wrong"); // a certificate for example.com only
  const result = await probe({
    hostname: "127.0.0.1",
    port: server.addr.port,
    tls: { caCerts: [pki.ca], serverName: "example.com" },
  });
  assert.deepEqual(result.tls?.verified, ["chain", "name"]);
  const error = await failure({
    hostname: "127.0.0.1",
    port: server.addr.port,
    tls: { caCerts: [pki.ca], serverName: "example.org" },
  });
  assert.match(error.message, /^Certificate is not for "example\.org" but for DNS:example\.com$/);
});

Deno.test("a handshake that stalls is a timeout in phase tls; one cut short or not TLS fails it", async () => {
  await using silent = new FakeServer((_conn, released) => released);
  const stalled = await failure({
    hostname: "127.0.0.1",
    port: silent.port,
    timeoutMs: 200,
    tls: {},
  });
  assert.equal(stalled.code, "timeout");
  const { local: _, ...stalledDetails } = stalled.details;
  assert.deepEqual(stalledDetails, {
    seq: 1,
    host: "127.0.0.1",
    address: "127.0.0.1",
    port: silent.port,
    phase: "tls",
  });
  assert.equal(stalled.message, "Timeout after 200ms in the TLS handshake");

  await using ssh = new FakeServer(async (conn) => {
    await conn.write(new TextEncoder().encode("SSH-2.0-OpenSSH_9.2\r\n"));
  });
  const notTls = await failure({ hostname: "127.0.0.1", port: ssh.port, tls: {} });
  assert.equal(notTls.code, "tls");
  assert.equal(notTls.details.reason, "handshake");
  assert.match(notTls.message, /^TLS handshake failed: /);
});

Deno.test("a refused connection stays 'refused': the handshake never starts", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const error = await failure({ hostname: "127.0.0.1", port, tls: {} });
  assert.equal(error.code, "refused");
});

Deno.test("prepareTls() refuses CA certificates the runtime cannot read", () => {
  assert.throws(
    () =>
      prepareTls({ caCerts: ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"] }),
    { code: "invalid" },
  );
  const options = { caCerts: [pki.ca] };
  assert.equal(prepareTls(options), prepareTls(options), "one context per options object");
});

/**
 * A TLS server of the test CA's "good" certificate that plays `respond` over each
 * session: for echoes that are not exact. It ends each session with close_notify.
 */
async function tlsFakeServer(respond: (session: TlsStream) => Promise<void>) {
  const tls = await serverTls({ cert: pki.cert("good"), key: pki.key("good") });
  return new FakeServer(async (conn) => {
    const session = tls.accept(conn);
    await respond(session);
    await session.finish();
  });
}

/** Reads what is left of a session, to its close_notify (or end). */
async function drainSession(session: TlsStream): Promise<void> {
  const buffer = new Uint8Array(4096);
  while (await session.read(buffer) !== null) { /* discard */ }
}

Deno.test("a TLS probe fails with 'extra' when the echo comes with bytes beyond those sent", async () => {
  await using fake = await tlsFakeServer(async (session) => {
    const received = new Uint8Array(250);
    await readFull(session, received);
    await session.write(Uint8Array.of(...received, 1, 2, 3, 4, 5)); // the echo and 5 more
    await drainSession(session);
  });
  const error = await failure({
    hostname: "127.0.0.1",
    port: fake.port,
    tls: { caCerts: [pki.ca] },
  });
  assert.equal(error.code, "extra");
  assert.equal(error.message, "5 bytes more than sent came back (255/250 bytes back)");
  assert.equal(error.details.extraBytes, 5);
  assert.equal(error.details.address, "127.0.0.1");
});

Deno.test("a TLS Prober with reuse charges bytes after an echo to that probe, at settle()", async () => {
  const go = Promise.withResolvers<void>();
  await using fake = await tlsFakeServer(async (session) => {
    const received = new Uint8Array(250);
    await readFull(session, received);
    await session.write(received);
    await go.promise; // the extra bytes come once the first probe has its verdict so far
    await session.write(new Uint8Array(3));
    await drainSession(session);
  });
  await using prober = new Prober({
    hostname: "127.0.0.1",
    port: fake.port,
    reuse: true,
    timeoutMs: 5_000,
    tls: { caCerts: [pki.ca] },
  });
  const first = await prober.probe(1);
  assert.equal(first.bytes, 250);
  assert.ok(first.tlsMs! > 0);
  assert.equal(prober.unsettled, true);
  go.resolve();
  const late = await prober.settle(true);
  assert.ok(late instanceof ProbeError, "the extra bytes fail the first probe");
  assert.equal(late.code, "extra");
  assert.equal(late.message, "3 bytes more than sent came back (253/250 bytes back)");
  assert.equal(late.details.seq, 1);
});

Deno.test("a TLS probe of a name connects to the address that answers, then runs the handshake, timed apart", async () => {
  await using server = serve({
    hostname: "127.0.0.3",
    port: 0,
    timeoutMs: 5_000,
    tls: await serverTls({ cert: pki.cert("wrong"), key: pki.key("wrong") }),
  });
  const resolver: Resolver = () => Promise.resolve(["127.0.0.2", "127.0.0.3"]);
  const options: ProbeOptions = {
    hostname: "example.com", // the name of the "wrong" certificate, checked as given
    port: server.addr.port,
    resolver,
    timeoutMs: 5_000,
    tls: { caCerts: [pki.ca] },
  };
  for (const connectOnly of [false, true]) {
    const result = await probe({ ...options, connectOnly });
    assert.equal(result.address, "127.0.0.3");
    assert.deepEqual(result.attempts?.map(({ address, error }) => [address, error]), [
      ["127.0.0.2", "refused"],
      ["127.0.0.3", undefined],
    ]);
    assert.deepEqual(result.tls?.verified, ["chain", "name"]);
    assert.ok(result.connectMs > 0 && result.tlsMs! > 0);
    const phases = result.connectMs + result.tlsMs! + result.echoMs;
    assert.ok(Math.abs(result.timeMs - phases) < 0.001, `${result.timeMs} = ${phases}`);
    assert.equal(result.bytes, connectOnly ? 0 : 250);
    assert.equal(result.connectOnly, connectOnly ? true : undefined);
  }
  assert.equal(server.stats().connections, 2, "one connection per probe: the winner's");
});

Deno.test("the test certificates are removed after", async () => {
  await pki[Symbol.asyncDispose]();
});
