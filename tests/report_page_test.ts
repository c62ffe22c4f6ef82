import assert from "node:assert/strict";
import { RunReader } from "../cli/report_input.ts";
import { renderPage } from "../cli/report_page.ts";
import { pingRunLines } from "./report_fixture.ts";

function page(lines: Iterable<string>, title?: string) {
  const reader = new RunReader();
  for (const line of lines) reader.push(line);
  return renderPage(reader.finish(), { title, version: "9.9.9" });
}

const count = (html: string, pattern: RegExp) => html.match(pattern)?.length ?? 0;

Deno.test("renderPage() draws each probe of a small run as a point, each failure as a mark", () => {
  const html = page(pingRunLines({ count: 600 }));
  // 600 probes, 100 ms apart, on a plot 900 px wide: each its own column.
  assert.equal(count(html, /<circle class="pt r0"/g), 600 - 18 - 6);
  assert.equal(count(html, /<rect class="fail k\d+"[^>]*data-code="timeout"/g), 18);
  assert.equal(count(html, /<rect class="fail k\d+"[^>]*data-code="refused"/g), 6);
  for (
    const title of [
      "Latency over time",
      "Latency by percentile",
      "Summary",
      "Errors",
      "seconds since the run&#39;s start",
      "latency (ms, log scale)",
    ]
  ) {
    assert.ok(html.includes(title), title);
  }
  assert.ok(!html.includes("Throughput"), "no throughput chart without a load run");
  assert.match(html, /<td>198\.51\.100\.7:3005<\/td>/);
  assert.match(html, /2025-06-01 12:00:00 UTC/);
  assert.match(html, /600 probes, interval ≈ 100 ms \(median\), 250 bytes per probe, seed 1/);
});

Deno.test("renderPage() is self-contained: no script, nothing fetched, a CSP that forbids it", () => {
  const html = page(pingRunLines({ count: 100 }));
  assert.match(
    html,
    /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/,
  );
  for (const forbidden of [/<script/i, /<link/i, /<img/i, /url\(/i, /@import/i, /https?:/i]) {
    assert.doesNotMatch(html, forbidden);
  }
});

Deno.test("renderPage() escapes what the input says: targets, codes and messages", () => {
  const hostile = '<script>alert("x")</script>';
  const html = page([
    JSON.stringify({
      type: "probe",
      seq: 1,
      timestamp: "2025-01-01T00:00:00Z",
      ok: false,
      error: { code: `<b>${hostile}`, message: hostile },
    }),
    JSON.stringify({ type: "summary", target: hostile }),
  ], hostile);
  assert.doesNotMatch(html, /<script|<b>/);
  assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
});

Deno.test("renderPage() draws several runs on the same axes, told apart by target and start", () => {
  const html = page([
    ...pingRunLines({ count: 50, target: "192.0.2.1:3005" }),
    ...pingRunLines({
      count: 80,
      target: "192.0.2.2:3005",
      start: new Date("2025-06-02T08:30:00Z"),
    }),
  ]);
  assert.equal(count(html, /<svg class="chart"/g), 2);
  // Each run's successes, less its timeouts (seq 26 of 50; 41 and 42 of 80).
  assert.equal(count(html, /<circle class="pt r0"/g), 49);
  assert.equal(count(html, /<circle class="pt r1"/g), 78);
  assert.equal(count(html, /<path class="pct r\d"/g), 2);
  assert.match(html, /<title>echoprobe report: 192\.0\.2\.1:3005, 192\.0\.2\.2:3005<\/title>/);
  assert.match(html, /192\.0\.2\.2:3005, 08:30:00: /, "a mark's title names target and start");
});

Deno.test("renderPage() of a load run draws its intervals and its throughput", () => {
  const interval = (startMs: number, ok: number, failed: number) =>
    JSON.stringify({
      type: "interval",
      target: "192.0.2.9:3005",
      timestamp: new Date(Date.UTC(2025, 0, 1) + startMs).toISOString(),
      startMs,
      elapsedMs: startMs + 1000,
      ok,
      failed,
      perSecond: ok,
      p50Ms: 0.2,
      p99Ms: 0.9,
      maxMs: 3,
      errors: failed ? { reset: failed } : {},
    });
  const html = page([
    interval(0, 40_000, 0),
    interval(1000, 30_000, 12),
    interval(2000, 41_000, 0),
    JSON.stringify({
      type: "load",
      target: "192.0.2.9:3005",
      concurrency: 32,
      rate: null,
      ok: 111_000,
      failed: 12,
      bytes: 27_750_000,
      durationMs: 3000,
      minMs: 0.05,
      p50Ms: 0.2,
      p90Ms: 0.5,
      p99Ms: 0.9,
      p999Ms: 1.5,
      maxMs: 3,
      errors: { reset: 12 },
    }),
  ]);
  assert.ok(html.includes("<h2>Throughput</h2>"));
  assert.equal(count(html, /<path class="tput r0"/g), 1);
  assert.equal(count(html, /<rect class="fail k0"[^>]*data-count="12"/g), 1);
  assert.equal(count(html, /<rect class="loss"/g), 1);
  assert.equal(count(html, /<circle class="pctpt r0"/g), 6);
  assert.match(html, /TCP load, 32 loops/);
  assert.match(html, /250 bytes per probe/);
});

Deno.test("renderPage() says each run's protocol, TLS, connect-only, addresses and phases; UDP's own table", () => {
  const at = (seq: number) => new Date(Date.UTC(2025, 0, 1) + seq * 100).toISOString();
  const tls = [1, 2].map((seq) =>
    JSON.stringify({
      type: "probe",
      seq,
      timestamp: at(seq),
      ok: true,
      host: "dual.test",
      address: "127.0.0.1",
      port: 3443,
      bytes: 250,
      reused: false,
      connectMs: 0.5,
      tlsMs: 2,
      firstByteMs: 0.25,
      echoMs: 0.25,
      timeMs: 2.75,
      attempts: [{ address: "::1", error: "refused", ms: 0.1 }, { address: "127.0.0.1", ms: 0.4 }],
      tlsVersion: "TLSv1.3",
      tlsVerified: ["pin"],
      certDaysLeft: 88.7,
    })
  );
  const connectOnly = JSON.stringify({
    type: "probe",
    seq: 1,
    timestamp: at(1),
    ok: true,
    host: "db.internal",
    address: "10.0.0.5",
    port: 5432,
    connectOnly: true,
    connectMs: 0.4,
    timeMs: 0.4,
  });
  const udp = [
    JSON.stringify({
      type: "probe",
      proto: "udp",
      seq: 1,
      timestamp: at(1),
      ok: true,
      address: "10.0.0.6",
      port: 3005,
      bytes: 250,
      timeMs: 1,
    }),
    JSON.stringify({ type: "duplicate", proto: "udp", seq: 1, from: "10.0.0.6:3005", timeMs: 2 }),
    JSON.stringify({
      type: "summary",
      proto: "udp",
      target: "10.0.0.6:3005",
      lost: 0,
      duplicates: 1,
      reordered: 0,
      late: 0,
      stray: 2,
      jitterMs: 0.125,
    }),
  ];
  const html = page([...tls, connectOnly, ...udp]);
  for (
    const text of [
      "TCP ping over TLS (TLSv1.3), a new connection per probe",
      "connect 0.5, TLS 2, echo 0.25 ms (means)",
      "2 connected after a failed attempt (first: ::1 refused)",
      "certificate 88 days left, TLS verified: pin",
      "TCP ping, connect only",
      "1 probes, nothing sent, connect 0.4 ms (means)",
      "<td>UDP ping</td>",
      "<h2>UDP</h2>",
    ]
  ) {
    assert.ok(html.includes(text), text);
  }
  assert.doesNotMatch(html, /connect only[^<]*bytes per probe/);
  // The UDP table: the run's lost, duplicates, reordered, late, stray, jitter.
  assert.match(
    html,
    /3<\/td><td>0<\/td><td>1<\/td><td>0<\/td><td>0<\/td><td>2<\/td><td>0\.125<\/td>/,
  );
  assert.doesNotMatch(page(pingRunLines({ count: 10 })), /<h2>UDP<\/h2>/, "no UDP run, no table");
});
