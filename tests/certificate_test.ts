/**
 * The self-signed certificate made in memory (lib/certificate.ts), read back by
 * programs nobody here wrote: openssl (installed by .ci/run) and the runtime's X.509.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { certificateSha256, parseSha256, selfSignedCertificate } from "../lib/certificate.ts";

/** Runs openssl with `input` on standard input; its stdout. */
async function openssl(args: string[], input: string): Promise<string> {
  const child = new Deno.Command("openssl", {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const output = await child.output();
  const decoder = new TextDecoder();
  assert.ok(output.success, decoder.decode(output.stderr));
  return decoder.decode(output.stdout);
}

Deno.test("selfSignedCertificate() makes an X.509 v3 server certificate openssl reads", async () => {
  const made = await selfSignedCertificate({
    names: ["localhost", "127.0.0.1", "::1", "db.internal"],
  });
  const text = await openssl(["x509", "-noout", "-text"], made.cert);
  for (
    const expected of [
      /Version: 3 \(0x2\)/,
      /Signature Algorithm: ecdsa-with-SHA256/,
      /Issuer: CN = echoprobe/,
      /Subject: CN = echoprobe/,
      /NIST CURVE: P-256/,
      /Basic Constraints: critical\s+CA:FALSE/,
      /Key Usage: critical\s+Digital Signature/,
      /Extended Key Usage: \s+TLS Web Server Authentication/,
      /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, DNS:db\.internal/,
    ]
  ) {
    assert.match(text, expected);
  }
});

Deno.test("selfSignedCertificate() signs with its own key: openssl verifies it as its own anchor", async () => {
  const made = await selfSignedCertificate();
  // The certificate is its own trust anchor: its signature verifies with the key inside.
  const verified = await new Deno.Command("bash", {
    args: [
      "-c",
      'openssl verify -check_ss_sig -purpose sslserver -CAfile <(printf "%s" "$0") <(printf "%s" "$0")',
      made.cert,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  assert.ok(verified.success, decoder.decode(verified.stderr));
  assert.match(decoder.decode(verified.stdout), /: OK\n$/);
  // The private key is the certificate's.
  const fromKey = await openssl(["pkey", "-pubout"], made.key);
  const fromCert = await openssl(["x509", "-noout", "-pubkey"], made.cert);
  assert.equal(fromKey, fromCert);
});

Deno.test("selfSignedCertificate() is valid from a day before to `days` after, with a new key each time", async () => {
  const before = Date.now();
  const made = await selfSignedCertificate({ days: 10 });
  const parsed = new X509Certificate(made.cert);
  const notBefore = new Date(parsed.validFrom).getTime();
  const notAfter = new Date(parsed.validTo).getTime();
  assert.ok(Math.abs(notBefore - (before - 86_400_000)) < 5_000, parsed.validFrom);
  assert.ok(Math.abs(notAfter - (before + 10 * 86_400_000)) < 5_000, parsed.validTo);
  const again = await selfSignedCertificate({ days: 10 });
  assert.notEqual(again.sha256, made.sha256);
  assert.notEqual(new X509Certificate(again.cert).serialNumber, parsed.serialNumber);
});

Deno.test("certificateSha256() is what openssl x509 -fingerprint -sha256 prints", async () => {
  const made = await selfSignedCertificate();
  const printed = await openssl(["x509", "-noout", "-fingerprint", "-sha256"], made.cert);
  assert.equal(printed.trim(), `sha256 Fingerprint=${await certificateSha256(made.cert)}`);
  assert.equal(made.sha256, await certificateSha256(made.cert + made.key), "the first certificate");
  await assert.rejects(certificateSha256(made.key), { code: "invalid" });
});

Deno.test("parseSha256() reads a fingerprint with or without colons, in any case, and nothing else", () => {
  const upper = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, "0").toUpperCase())
    .join(":");
  assert.equal(parseSha256(upper), upper);
  assert.equal(parseSha256(upper.toLowerCase().replaceAll(":", "")), upper);
  for (const bad of ["", "AB", upper.slice(3), `${upper}:00`, upper.replace("0", "g")]) {
    assert.throws(() => parseSha256(bad), { code: "invalid" }, bad);
  }
});
