import assert from "node:assert/strict";
import {
  echoprobeTlsCommand,
  parseSTime,
  socatCommand,
  stunnelConfig,
  TLS_FILES,
  tlsPeerOrder,
} from "../bench/tls.ts";
import { tlsRatios, tlsSection } from "../bench/tls_report.ts";
import type { RoundData } from "../bench/round.ts";
import { parseEcholoadLine } from "../bench/workloads.ts";
import { ForeignServer, TestPki } from "./tls_fixtures.ts";

Deno.test("parseSTime() reads the handshakes openssl s_time counted", () => {
  const text = "Collecting connection statistics for 5 seconds\n" +
    "tttttttt\n\n691 connections in 2.03s; 340.39 connections/user sec, bytes read 0\n" +
    "691 connections in 4 real seconds, 0 bytes read per connection\n";
  assert.equal(parseSTime(text), 691);
  assert.equal(parseSTime("connect: Connection refused\n"), undefined);
});

Deno.test("the TLS servers rotate by round; each listens on a port the kernel picks, with TCP_NODELAY", () => {
  assert.deepEqual(tlsPeerOrder(0), ["socat", "stunnel", "echoprobe"]);
  assert.deepEqual(tlsPeerOrder(1), ["stunnel", "echoprobe", "socat"]);
  const socat = socatCommand(4100).join(" ");
  assert.match(socat, /OPENSSL-LISTEN:0,bind=127\.0\.0\.1,.*fork,backlog=4096,.*,nodelay /);
  assert.match(socat, /TCP:127\.0\.0\.1:4100,nodelay$/);
  const stunnel = stunnelConfig(4100);
  assert.match(stunnel, /^accept = 127\.0\.0\.1:0$/m);
  assert.match(stunnel, /^connect = 127\.0\.0\.1:4100$/m);
  assert.match(stunnel, /^socket = a:TCP_NODELAY=1$/m);
  const echoprobe = echoprobeTlsCommand().join(" ");
  assert.match(echoprobe, /run --allow-net --allow-read=\S+ --v8-flags=/);
  assert.ok(
    echoprobe.endsWith(`--backlog 4096 --tls-cert ${TLS_FILES.cert} --tls-key ${TLS_FILES.key}`),
  );
});

Deno.test("bench/tls_load.mjs ping-pongs and opens sessions over TLS, checking every echo", async () => {
  await using pki = await TestPki.create();
  await using server = await ForeignServer.socat(pki.path("good", "pem"), pki.path("good", "key"));
  for (const mode of ["pp", "conn"]) {
    const result = await new Deno.Command("node", {
      args: [
        new URL("../bench/tls_load.mjs", import.meta.url).pathname,
        mode,
        String(server.port),
        "2",
        "1",
        pki.path("ca", "pem"),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
    const report = parseEcholoadLine(new TextDecoder().decode(result.stdout));
    assert.equal(report.mode, mode);
    assert.equal(report.errors, "0");
    assert.ok(Number(report.ops) > 0, JSON.stringify(report));
  }
});

Deno.test("bench/tls_load.mjs counts a server that does not echo as errors", async () => {
  await using pki = await TestPki.create();
  // openssl s_server -rev answers a line reversed: never the record that was sent.
  await using server = await ForeignServer.openssl(
    pki.path("good", "pem"),
    pki.path("good", "key"),
  );
  const result = await new Deno.Command("node", {
    args: [
      new URL("../bench/tls_load.mjs", import.meta.url).pathname,
      "pp",
      String(server.port),
      "1",
      "1",
      pki.path("ca", "pem"),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const report = parseEcholoadLine(new TextDecoder().decode(result.stdout));
  assert.equal(report.ops, "0");
  assert.ok(Number(report.errors) > 0, JSON.stringify(report));
});

function round(socat: number, echoprobe: number): RoundData {
  const sample = (value: number) => ({ value, errors: 0 });
  return {
    order: [],
    throughput: { fresh: {}, churn: {} },
    churn: {},
    idle: {},
    tls: {
      tlsPp32: { socat: sample(socat), stunnel: sample(socat * 2), echoprobe: sample(echoprobe) },
    },
    tlsOrder: tlsPeerOrder(0),
    seconds: 60,
  };
}

Deno.test("tlsSection() shows each server's figure and echoprobe's ratios, round by round", () => {
  const rounds = [round(10_000, 20_000), round(10_000, 15_000), round(20_000, 50_000)];
  assert.deepEqual(tlsRatios(rounds, "tlsPp32", "echoprobe", "socat"), [2, 1.5, 2.5]);
  const text = tlsSection(rounds, 5).join("\n");
  assert.match(
    text,
    /\| TLS ping-pong, 32 sessions \(round trips\/s\) \| 10000–20000 \(median 10000\) \| 20000–40000 \(median 20000\) \| 15000–50000 \(median 20000\) \| 1\.50–2\.50 \(median 2\.00\) \| 0\.75–1\.25 \(median 1\.00\) \|/,
  );
  assert.match(
    text,
    /\| TLS ping-pong, 32 sessions \(round trips\/s\): echoprobe \/ socat \| 2\.00 \| 1\.50 \| 2\.50 \|/,
  );
  assert.match(text, /`node bench\/tls_load\.mjs pp PORT 32 5 tls\.pem`/);
  assert.deepEqual(tlsSection([], 5), ["Not run."]);
});
