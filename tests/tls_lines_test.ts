/** cli/tls_lines.ts: what the client's header says is verified, loudly when less. */
import assert from "node:assert/strict";
import { formatTlsMode } from "../cli/tls_lines.ts";

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
