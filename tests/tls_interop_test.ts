/**
 * TLS interop with programs nobody here wrote (Debian's openssl and socat, installed
 * by .ci/run): our client against their TLS servers, their clients against ours, and
 * the certificates a client must refuse, made by a CA of the tests' own.
 */
import assert from "node:assert/strict";
import { CliServer, runCli } from "./helpers.ts";
import { type CertName, ForeignServer, TestPki } from "./tls_fixtures.ts";

const pki = await TestPki.create();
// Removed when the tests of this file are done (the last one disposes of it).
const READ = [`--allow-read=${pki.dir}`];

/** A file of one line of 249 characters that reads the same reversed, and its newline. */
function palindromeFile(): Promise<string> {
  const half = Array.from({ length: 124 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
  return pki.write("palindrome.txt", `${half}x${[...half].reverse().join("")}\n`);
}

/** Reads exactly `n` bytes from a stream, or fewer at its end. */
async function readBytes(stream: ReadableStream<Uint8Array>, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let filled = 0;
  const reader = stream.getReader();
  while (filled < n) {
    const { value, done } = await reader.read();
    if (done) break;
    out.set(value.subarray(0, n - filled), filled);
    filled += Math.min(value.length, n - filled);
  }
  reader.releaseLock();
  return out.subarray(0, filled);
}

Deno.test("interop: our --tls client probes openssl s_server -rev, verifying with --ca", async () => {
  await using server = await ForeignServer.openssl(
    pki.path("good", "pem"),
    pki.path("good", "key"),
  );
  const output = await runCli([
    "client",
    `127.0.0.1:${server.port}`,
    ...["--tls", "--ca", pki.path("ca", "pem"), "--payload", `@${await palindromeFile()}`],
    ...["-c", "2", "-i", "10ms"],
  ], { permissions: READ });
  assert.equal(output.code, 0, output.stdout + output.stderr);
  assert.match(output.stdout, /, TLS, verifying chain and name\n/);
  const lines = output.stdout.split("\n").filter((line) => line.startsWith("250 bytes from"));
  assert.equal(lines.length, 2, output.stdout);
  for (const line of lines) {
    assert.match(line, / time=[\d.]+ ms connect=[\d.]+ tls=[\d.]+ first=[\d.]+ echo=[\d.]+ local=/);
    assert.match(line, / cert=(29|30)d$/, "the test certificates are valid for 30 days");
  }
});

Deno.test("interop: our --tls client probes socat's TLS echo (OPENSSL-LISTEN,fork PIPE)", async () => {
  await using server = await ForeignServer.socat(pki.path("good", "pem"), pki.path("good", "key"));
  const output = await runCli([
    "client",
    `localhost:${server.port}`,
    ...["-4", "--ca", pki.path("ca", "pem"), "-c", "3", "-i", "10ms", "--json"],
  ], { permissions: READ });
  assert.equal(output.code, 0, output.stdout + output.stderr);
  const probes = output.stdout.trim().split("\n").map((line) => JSON.parse(line))
    .filter((object) => object.type === "probe");
  assert.equal(probes.length, 3);
  for (const probe of probes) {
    assert.equal(probe.ok, true);
    assert.deepEqual(probe.tlsVerified, ["chain", "name"]);
    assert.equal(probe.certSubject, "CN=good");
    assert.equal(probe.certIssuer, "CN=Test ca");
    assert.ok(probe.tlsMs > 0 && probe.timeMs >= probe.connectMs + probe.tlsMs);
  }
});

Deno.test("interop: openssl s_client verifies echoprobe server --tls and gets its 250 bytes back", async () => {
  await using server = await CliServer.start([
    ...["--host", "127.0.0.1", "--port", "0"],
    ...["--tls-cert", pki.path("good", "pem"), "--tls-key", pki.path("good", "key")],
  ], { permissions: READ });
  const client = new Deno.Command("openssl", {
    args: [
      "s_client",
      ...["-connect", `127.0.0.1:${server.port}`, "-CAfile", pki.path("ca", "pem")],
      ...["-verify_return_error", "-verify_hostname", "localhost", "-quiet", "-no_ign_eof"],
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const sent = crypto.getRandomValues(new Uint8Array(250));
  const writer = client.stdin.getWriter();
  await writer.write(sent);
  const echo = await readBytes(client.stdout, 250);
  await writer.close(); // s_client sends close_notify and exits
  const [status, stderr] = await Promise.all([client.status, new Response(client.stderr).text()]);
  await client.stdout.cancel();
  assert.equal(status.code, 0, stderr);
  assert.deepEqual(echo, sent);
  assert.match(await server.stderr.line() ?? "", /records=1 bytes=250 .*reason=eof$/);
});

Deno.test("interop: socat's TLS client gets 4 records and the partial fifth back", async () => {
  await using server = await CliServer.start([
    ...["--host", "127.0.0.1", "--port", "0"],
    ...["--tls-cert", pki.path("good", "pem"), "--tls-key", pki.path("good", "key")],
  ], { permissions: READ });
  const socat = new Deno.Command("socat", {
    args: ["-t", "5", "-", `OPENSSL:127.0.0.1:${server.port},cafile=${pki.path("ca", "pem")}`],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const sent = crypto.getRandomValues(new Uint8Array(1010));
  const writer = socat.stdin.getWriter();
  await writer.write(sent);
  await writer.close();
  const output = await socat.output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.deepEqual(output.stdout, sent);
  assert.match(await server.stderr.line() ?? "", /records=4 bytes=1010 .*reason=eof$/);
});

Deno.test("interop: openssl s_client sees the certificate whose fingerprint the server printed", async () => {
  await using server = await CliServer.start(["--host", "127.0.0.1", "--port", "0", "--tls"]);
  const printed =
    /^echoprobe server tls: certificate sha256=([0-9A-F:]{95}) expires \S+ \(self-signed, made at start-up\)$/
      .exec(await server.stdout.line() ?? "")?.[1];
  assert.ok(printed, "the line after the listening line gives the fingerprint");
  const shown = await new Deno.Command("sh", {
    args: [
      "-c",
      'openssl s_client -connect "127.0.0.1:$0" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256',
      String(server.port),
    ],
    stdout: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(shown.stdout).trim(), `sha256 Fingerprint=${printed}`);
  // And our client accepts that certificate by its fingerprint, and nothing else.
  const pinned = await runCli([
    "client",
    `127.0.0.1:${server.port}`,
    ...["--insecure-skip-verify", "--pin-sha256", printed],
  ]);
  assert.equal(pinned.code, 0, pinned.stdout + pinned.stderr);
  assert.match(pinned.stdout, / cert=36[45]d verified=pin\n/);
  assert.match(pinned.stderr, /^echoprobe: warning: TLS, verifying the pinned sha256 only, NOT/);
});

Deno.test("interop: a wrong name, an expired certificate, an unknown issuer each exit 1, code tls", async (t) => {
  const cases: [CertName, string, RegExp][] = [
    ["wrong", "name-mismatch", /^Certificate is not for "127\.0\.0\.1" but for DNS:example\.com$/],
    ["expired", "expired", /^Certificate expired on 2020-02-01T00:00:00Z, \d+ days ago$/],
    ["stranger", "unknown-issuer", /^Certificate issuer "CN=Test stranger-ca" is not trusted$/],
  ];
  for (const [name, reason, message] of cases) {
    await t.step(`${name}: ${reason}`, async () => {
      await using server = await ForeignServer.openssl(
        pki.path(name, "pem"),
        pki.path(name, "key"),
      );
      const output = await runCli([
        "client",
        `127.0.0.1:${server.port}`,
        ...["--tls", "--ca", pki.path("ca", "pem"), "--json"],
      ], { permissions: READ });
      assert.equal(output.code, 1, output.stdout + output.stderr);
      const [probe, summary] = output.stdout.trim().split("\n").map((line) => JSON.parse(line));
      assert.equal(probe.ok, false);
      assert.equal(probe.error.code, "tls");
      assert.equal(probe.error.reason, reason);
      assert.equal(probe.error.phase, "tls");
      assert.match(probe.error.message, message);
      assert.deepEqual(summary.errors, { tls: 1 });
    });
  }
});

Deno.test("interop: the test certificates are removed after", async () => {
  await pki[Symbol.asyncDispose]();
  await assert.rejects(Deno.stat(pki.dir), Deno.errors.NotFound);
});
