/** `probeRequest()`: a /probe query and scrape timeout to a series, without a socket. */
import assert from "node:assert/strict";
import { ParamError, PROBE_PARAMS, probeRequest, scrapeBudgetMs } from "../cli/exporter_params.ts";

const OFFSET_MS = 500;

/** Reads `query` as the exporter does, with no scrape timeout header unless given. */
function read(query: string, header: string | null = null) {
  return probeRequest(new URLSearchParams(query), header, OFFSET_MS);
}

/** Asserts the one-line 400 message a query gets. */
function assertRefused(query: string, pattern: RegExp, header: string | null = null) {
  assert.throws(() => read(query, header), (error) => {
    assert.ok(error instanceof ParamError, `expected a ParamError, got ${error}`);
    assert.ok(!error.message.includes("\n"), `one line expected, got:\n${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("probeRequest() with a target only leaves the rest to the library's defaults", () => {
  assert.deepEqual(read("target=10.0.0.7:4000"), {
    proto: "tcp",
    series: { hostname: "10.0.0.7", port: 4000, timeoutMs: 30_000, deadlineMs: 119_500 },
    target: "10.0.0.7:4000",
    maxLossPct: undefined,
    budgetMs: 119_500,
  });
  const bare = read("target=db.internal");
  assert.equal(bare.target, "db.internal:3005");
  assert.equal(bare.series.port, undefined, "the library's default port");
  assert.equal(read("target=[::1]:3005").series.hostname, "::1");
});

Deno.test("probeRequest() reads every parameter with the client's value parsers", () => {
  const request = read(
    "target=[::1]:3005&size=4KiB&count=5&interval=200ms&payload=hex:DEADBEEF&reuse=1" +
      "&timeout=2s&ip=6&seed=7&max_loss=20",
  );
  assert.deepEqual(request.series, {
    hostname: "::1",
    port: 3005,
    timeoutMs: 2_000,
    deadlineMs: 119_500,
    size: 4096,
    count: 5,
    intervalMs: 200,
    payload: { kind: "bytes", bytes: Uint8Array.of(0xde, 0xad, 0xbe, 0xef) },
    reuse: true,
    family: 6,
    seed: 7,
  });
  assert.equal(request.target, "[::1]:3005");
  assert.equal(request.maxLossPct, 20);
  assert.equal(read("target=h&reuse=false").series.reuse, false);
  assert.equal(read("target=h&ip=4").series.family, 4);
});

Deno.test("probeRequest() caps the timeout and the series by the scrape timeout less the offset", () => {
  const capped = read("target=h:1", "10");
  assert.equal(capped.budgetMs, 9_500);
  assert.equal(capped.series.deadlineMs, 9_500);
  assert.equal(capped.series.timeoutMs, 9_500, "the default 30s, capped");
  assert.equal(read("target=h:1&timeout=2s", "10").series.timeoutMs, 2_000, "below the cap");
  assert.equal(read("target=h:1&timeout=1m", "0.8").series.timeoutMs, 300);
  assert.equal(read("target=h:1", " 1.5 ").budgetMs, 1_000, "spaces around the number");
});

Deno.test("scrapeBudgetMs() is blackbox's: 120 s without the header, less the offset", () => {
  assert.equal(scrapeBudgetMs(null, 500), 119_500);
  assert.equal(scrapeBudgetMs("15", 0), 15_000);
  assert.equal(scrapeBudgetMs("0.75", 250), 500);
});

Deno.test("probeRequest() refuses a bad parameter with one line naming it", async (t) => {
  const cases: [string, RegExp][] = [
    ["", /^Missing parameter target: expected HOST:PORT$/],
    ["size=10", /^Missing parameter target/],
    ["target=", /^Invalid parameter target="": expected HOST, HOST:PORT or \[IPV6\]:PORT$/],
    ["target=a b", /^Invalid parameter target="a b"/],
    ["target=h:70000", /^Invalid parameter target="h:70000": expected a whole number from 1/],
    ["target=h&size=0", /^Invalid parameter size="0": expected a size from 1 to 16777216 bytes/],
    ["target=h&size=17MiB", /^Invalid parameter size="17MiB"/],
    ["target=h&count=0", /^Invalid parameter count="0": expected a whole number from 1 to 1000$/],
    ["target=h&count=1001", /^Invalid parameter count="1001"/],
    ["target=h&interval=1", /^Invalid parameter interval="1": expected a duration above zero/],
    ["target=h&timeout=0s", /^Invalid parameter timeout="0s": expected a duration above zero/],
    ["target=h&payload=@/etc/passwd", /^Invalid parameter payload="@\/etc\/passwd": expected/],
    ["target=h&payload=hex:ABC", /^Invalid parameter payload="hex:ABC"/],
    ["target=h&reuse=yes", /^Invalid parameter reuse="yes": expected 1 or 0 \(true or false\)$/],
    ["target=h&ip=5", /^Invalid parameter ip="5": expected 4 or 6$/],
    ["target=h&seed=-1", /^Invalid parameter seed="-1": expected a whole number from 0/],
    ["target=h&max_loss=101", /^Invalid parameter max_loss="101": expected a percentage/],
    ["target=h&module=tcp", /^Unknown parameter "module": expected target, proto, size, count, /],
    ["target=h&proto=icmp", /^Invalid parameter proto="icmp": expected tcp or udp$/],
    ["target=h&tls=2", /^Invalid parameter tls="2": expected 1 or 0/],
    ["target=h&connect_only=yes", /^Invalid parameter connect_only="yes": expected 1 or 0/],
    ["target=h&sni=10.0.0.7", /^Invalid parameter sni="10.0.0.7": expected a DNS name/],
    ["target=h&pin_sha256=AB:CD", /^Invalid parameter pin_sha256="AB:CD": expected a SHA-256/],
    ["target=h&size=1&size=2", /^Parameter "size" given more than once$/],
    ["target=h&target=i", /^Parameter "target" given more than once$/],
  ];
  for (const [query, pattern] of cases) {
    await t.step(query || "(nothing)", () => assertRefused(query, pattern));
  }
});

Deno.test("probeRequest() refuses a scrape timeout header it cannot use", () => {
  const header = "X-Prometheus-Scrape-Timeout-Seconds";
  assertRefused(
    "target=h",
    new RegExp(`^Invalid header ${header} "soon": expected seconds`),
    "soon",
  );
  assertRefused("target=h", new RegExp(`^Invalid header ${header} "0"`), "0");
  assertRefused(
    "target=h",
    new RegExp(
      `^Invalid header ${header} "0.5": expected more than the offset of 500ms \\(exporter --timeout-offset\\)$`,
    ),
    "0.5",
  );
});

Deno.test("probeRequest() reads proto=udp: a datagram's size, and nothing a datagram cannot do", async (t) => {
  const request = read("target=10.0.0.7:3005&proto=udp&size=1000&count=20&interval=50ms&ip=4");
  assert.equal(request.proto, "udp");
  assert.deepEqual(request.series, {
    hostname: "10.0.0.7",
    port: 3005,
    timeoutMs: 30_000,
    deadlineMs: 119_500,
    size: 1000,
    count: 20,
    intervalMs: 50,
    family: 4,
  });
  assert.equal(read("target=h&proto=tcp").proto, "tcp");
  assert.equal(read("target=h&proto=udp&size=20").series.size, 20, "the header alone");
  assert.equal(read("target=h&proto=udp&reuse=0&tls=0").proto, "udp", "switched off: fine");
  const cases: [string, RegExp][] = [
    [
      "proto=udp&size=19",
      /^Invalid parameter size="19": expected 20 to 65507 bytes with proto=udp \(a 20-byte header, then the payload\)$/,
    ],
    ["proto=udp&size=64KiB", /^Invalid parameter size="64KiB": expected 20 to 65507 bytes/],
    ["proto=udp&reuse=1", /^Parameter reuse does not go with proto=udp: it has no connection$/],
    ["proto=udp&tls=1", /^Parameter tls does not go with proto=udp/],
    ["proto=udp&connect_only=1&sni=db.internal", /^Parameters connect_only, sni do not go/],
    ["proto=udp&insecure_skip_verify=true", /^Parameter insecure_skip_verify does not go/],
  ];
  for (const [query, pattern] of cases) {
    await t.step(query, () => assertRefused(`target=h&${query}`, pattern));
  }
});

Deno.test("probeRequest() reads tls=1, and sni, insecure_skip_verify and pin_sha256 imply it", async (t) => {
  assert.equal(read("target=h").series.tls, undefined, "plain TCP by default");
  assert.equal(read("target=h&tls=0").series.tls, undefined);
  assert.deepEqual(read("target=h&tls=1").series.tls, {});
  const pin = "3b:a9" + ":00".repeat(30);
  assert.deepEqual(
    read(`target=10.0.0.7:3443&sni=db.internal&insecure_skip_verify=1&pin_sha256=${pin}`).series
      .tls,
    {
      serverName: "db.internal",
      insecureSkipVerify: true,
      pinSha256: "3B:A9" + ":00".repeat(30),
    },
  );
  assert.deepEqual(read("target=h&insecure_skip_verify=0").series.tls, undefined);
  // The exporter's --ca: every TLS probe trusts it in place of the root store.
  const ca = ["-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"];
  const withCa = probeRequest(new URLSearchParams("target=h&tls=1"), null, OFFSET_MS, ca);
  assert.deepEqual(withCa.series.tls, { caCerts: ca });
  assert.equal(
    probeRequest(new URLSearchParams("target=h"), null, OFFSET_MS, ca).series.tls,
    undefined,
    "--ca alone does not turn TLS on",
  );
  await t.step("tls=0 with what implies TLS is refused", () => {
    assertRefused("target=h&tls=0&sni=db.internal", /^Parameter sni needs TLS: leave out tls=0$/);
    assertRefused(
      `target=h&tls=0&insecure_skip_verify=1&pin_sha256=${pin}`,
      /^Parameters insecure_skip_verify, pin_sha256 need TLS: leave out tls=0$/,
    );
  });
});

Deno.test("probeRequest() reads connect_only=1, and refuses what it would not send", async (t) => {
  const request = read("target=db.internal:5432&connect_only=1&count=3&tls=1");
  assert.equal(request.series.connectOnly, true);
  assert.deepEqual(request.series.tls, {}, "a handshake and no echo: a certificate check");
  assert.equal(read("target=h&connect_only=0").series.connectOnly, undefined);
  const cases: [string, RegExp][] = [
    ["size=10", /^connect_only=1 sends nothing: leave out size$/],
    ["payload=zeros&seed=3", /^connect_only=1 sends nothing: leave out payload, seed$/],
    ["reuse=1", /^connect_only=1 sends nothing: leave out reuse$/],
  ];
  for (const [query, pattern] of cases) {
    await t.step(query, () => assertRefused(`target=h&connect_only=1&${query}`, pattern));
  }
});

Deno.test("probeRequest() refuses target=::1:3005 as the client refuses that HOST: ambiguous", () => {
  assertRefused(
    "target=::1:3005",
    /^Ambiguous parameter target="::1:3005": write \[::1\]:3005 for port 3005, or \[::1:3005\] for that address$/,
  );
  assert.equal(read("target=[::1]:3005").series.port, 3005);
  assert.equal(read("target=[::1:3005]").series.hostname, "::1:3005");
  assert.equal(read("target=fe80::1:abcd").series.hostname, "fe80::1:abcd", "no port to hide");
});

Deno.test("PROBE_PARAMS shows the defaults of size, count, interval and timeout, as the client's", () => {
  assert.match(PROBE_PARAMS.size.help, /\(default 250;/);
  assert.match(PROBE_PARAMS.count.help, /\(default 1\)$/);
  assert.match(PROBE_PARAMS.interval.help, /\(default 1s\)$/);
  assert.match(PROBE_PARAMS.timeout.help, /\(default 30s\)$/);
});
