/**
 * The probe's TLS handshake (lib/tls.ts): what it verifies, what it reports, and why
 * it refuses, against echoprobe's own TLS server with certificates of a test CA.
 */
import assert from "node:assert/strict";
import { certificateSha256, selfSignedCertificate } from "../lib/certificate.ts";
import { ProbeError } from "../lib/errors.ts";
import { probe } from "../lib/probe.ts";
import type { ProbeOptions } from "../lib/probe_options.ts";
import { serve } from "../lib/server.ts";
import { prepareTls } from "../lib/tls.ts";
import type { TlsOptions } from "../lib/tls_options.ts";
import { serverTls } from "../lib/tls_server.ts";
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
      /^Certificate expired on 2020-02-01T00:00:00\.000Z, \d+ days ago$/,
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
      assert.deepEqual(error.details, { seq: 1, phase: "tls", reason });
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
  assert.deepEqual(stalled.details, { seq: 1, phase: "tls" });
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

Deno.test("the test certificates are removed after", async () => {
  await pki[Symbol.asyncDispose]();
});
