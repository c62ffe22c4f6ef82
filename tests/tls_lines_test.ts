/** cli/tls_lines.ts: what the client's header says is verified, loudly when less. */
import assert from "node:assert/strict";
import { formatTlsReady } from "../cli/server_lines.ts";
import { formatTlsMode, formatTlsText, tlsJson } from "../cli/tls_lines.ts";
import type { ProbeResult } from "../lib/probe.ts";

/** A TLS probe at `at` of a certificate that ends at `notAfter`. */
function tlsProbe(notAfter: Date): ProbeResult {
  return {
    seq: 1,
    hostname: "localhost",
    address: "127.0.0.1",
    port: 3443,
    localAddress: "127.0.0.1",
    localPort: 40000,
    bytes: 250,
    reused: false,
    resolveMs: 0,
    connectMs: 0.2,
    firstByteMs: 0.1,
    echoMs: 0.1,
    timeMs: 2,
    totalMs: 2,
    finishedAt: 1,
    tlsMs: 1.5,
    tls: {
      version: "TLSv1.3",
      verified: ["chain", "name"],
      certificate: {
        subject: "CN=localhost",
        issuer: "CN=Test CA",
        notBefore: new Date("2026-01-01T00:00:00Z"),
        notAfter,
        sha256: "3B:A9",
      },
    },
  };
}

Deno.test("formatTlsMode() names what is verified, and in capitals what is not", () => {
  const pin = "AB";
  const cases: [Parameters<typeof formatTlsMode>[0], string][] = [
    [{}, "TLS, verifying chain and name"],
    [{ caCerts: ["..."] }, "TLS, verifying chain and name"],
    [{ pinSha256: pin }, "TLS, verifying chain, name and pinned sha256"],
    [
      { insecureSkipVerify: true },
      "TLS UNVERIFIED: any certificate is accepted (--insecure-skip-verify)",
    ],
    [
      { insecureSkipVerify: true, caCerts: ["..."] },
      "TLS, verifying chain (--ca), NOT the name (--insecure-skip-verify)",
    ],
    [
      { insecureSkipVerify: true, pinSha256: pin },
      "TLS, verifying the pinned sha256 only, NOT chain or name (--insecure-skip-verify)",
    ],
    [
      { insecureSkipVerify: true, caCerts: ["..."], pinSha256: pin },
      "TLS, verifying chain (--ca) and pinned sha256, NOT the name (--insecure-skip-verify)",
    ],
  ];
  for (const [tls, expected] of cases) assert.equal(formatTlsMode(tls), expected);
});

Deno.test("formatTlsText() and tlsJson() give the same whole days left, floored", () => {
  const at = new Date("2026-11-30T09:00:00.000Z");
  const days = (ms: number) => {
    const result = tlsProbe(new Date(at.getTime() + ms));
    const text = /cert=(\w+)/.exec(formatTlsText(result, at).end)?.[1];
    return [text, tlsJson(result, at).certDaysLeft];
  };
  const DAY = 86_400_000;
  // The trial's case: 19.999 days left read "cert=19d" and "certDaysLeft": 20.
  assert.deepEqual(days(20 * DAY - 60_000), ["19d", 19]);
  assert.deepEqual(days(20 * DAY), ["20d", 20]);
  assert.deepEqual(days(60.5 * DAY), ["60d", 60]);
  assert.deepEqual(days(1_000), ["0d", 0], "the last day left is 0");
  assert.deepEqual(days(-1_000), ["EXPIRED", -1]);
});

Deno.test("the client's certNotAfter and the server's expires date are written alike, to the second", () => {
  // A certificate made at start-up holds its time to the second; the Date kept has more.
  const notAfter = new Date("2027-11-30T08:30:49.870Z");
  const at = new Date("2026-11-30T09:00:00.000Z");
  const client = tlsJson(tlsProbe(notAfter), at).certNotAfter;
  assert.equal(client, "2027-11-30T08:30:49Z");
  const server = JSON.parse(formatTlsReady({ sha256: "3B:A9", notAfter, selfSigned: true }, true));
  assert.equal(server.notAfter, client);
  assert.match(
    formatTlsReady({ sha256: "3B:A9", notAfter, selfSigned: false }, false),
    / expires 2027-11-30T08:30:49Z$/,
  );
  // A certificate read from the peer: whole seconds already, the same form.
  assert.equal(
    tlsJson(tlsProbe(new Date("2027-02-28T08:38:28.000Z")), at).certNotAfter,
    "2027-02-28T08:38:28Z",
  );
});
