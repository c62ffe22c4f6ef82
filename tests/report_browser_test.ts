/**
 * The report in a real browser: real client runs piped into `echoprobe report`, the
 * page opened by headless Chromium off the network (scripts/chromium.ts), its DOM and
 * console checked, and its screenshot decoded and checked for what was drawn.
 */
import assert from "node:assert/strict";
import { removeDir, runChromium, screenshot, tempDir } from "../scripts/chromium.ts";
import { CliServer, closedPort, hasCommand, MAIN, runCli } from "./helpers.ts";
import { countColour, decodePng } from "./png.ts";
import { FakeUdpServer, seqOf } from "./udp_helpers.ts";

const chromium = Deno.env.get("CHROMIUM") ?? "chromium";
// A developer without Chromium sees the test skipped, and why; CI must have it.
const skip = !hasCommand(chromium) && !Deno.env.get("CI");
if (skip) {
  // deno-lint-ignore no-console -- a skipped test says why, where it is counted
  console.log(`skipped: report browser test: no "${chromium}" on the PATH (.ci/run installs it)`);
}

/**
 * `echoprobe report > PAGE` with `input` on standard input, as a user runs it (the
 * shell writes the page: the report, and this test, need no write permission).
 */
async function reportToFile(
  input: string,
  page: string,
): Promise<{ code: number; stderr: string }> {
  const child = new Deno.Command("sh", {
    args: ["-c", 'exec "$0" run "$1" report > "$2"', Deno.execPath(), MAIN, page],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  const [output] = await Promise.all([
    child.output(),
    writer.write(new TextEncoder().encode(input)).then(() => writer.close()),
  ]);
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

/** The JSON lines of a client run, which must exit with `code`. */
async function clientLines(args: string[], code: number): Promise<string> {
  const output = await runCli(["client", ...args, "--json"]);
  assert.equal(output.code, code, output.stderr);
  return output.stdout;
}

/** The closing `"type":"summary"` object of a client run's lines. */
function summaryOf(lines: string): Record<string, number> {
  return JSON.parse(lines.trim().split("\n").at(-1)!);
}

Deno.test({
  name:
    "report: a real page in headless Chromium draws every probe, failure and axis, fetches nothing",
  ignore: skip,
  async fn() {
    await using server = await CliServer.start(["--host", "127.0.0.1", "--port", "0"]);
    const target = `127.0.0.1:${server.port}`;
    const refusedTarget = `127.0.0.1:${closedPort()}`;
    // Three runs in one input: a ping run, a run against a closed port, a load run.
    const ping = await clientLines([target, "-c", "120", "-i", "10ms"], 0);
    const refused = await clientLines([refusedTarget, "-c", "25", "-i", "10ms"], 1);
    const load = await clientLines([target, "-n", "2", "--reuse", "-d", "1500ms"], 0);
    const dir = tempDir("echoprobe-report-");
    try {
      const page = `${dir}/run.html`;
      const report = await reportToFile(ping + refused + load, page);
      assert.equal(report.code, 0, report.stderr);
      assert.equal(report.stderr, "");
      const url = `file://${page}`;

      const { stdout: dom, console: messages } = await runChromium(url, ["--dump-dom"]);
      assert.deepEqual(messages, [], "no console messages (a blocked fetch would be one)");
      const count = (pattern: RegExp) => dom.match(pattern)?.length ?? 0;
      const okProbes = ping.split("\n").filter((line) => line.includes('"ok":true')).length;
      assert.equal(okProbes, 120);
      // 10 ms apart on a plot of about 1.5 s: every probe has its own pixel column.
      assert.equal(count(/<circle class="pt r0"/g), okProbes, "a point per probe");
      assert.equal(count(/<circle class="pt r1"/g), 0);
      assert.equal(count(/<rect class="fail k0"[^>]*data-code="refused"/g), 25, "a mark each");
      assert.equal(count(/<path class="tput r2"/g), 1, "the load run's throughput");
      assert.equal(count(/<svg class="chart"/g), 3);
      for (
        const label of [
          "seconds since the run's start",
          "latency (ms, log scale)",
          "percentile (log scale of 1 / (1 - percentile))",
          "probes per second",
        ]
      ) {
        assert.ok(dom.includes(`>${label}</text>`), label);
      }
      for (const text of [target, refusedTarget, "TCP load, 2 loops", "Connection refused"]) {
        assert.ok(dom.includes(text), text);
      }

      const png = `${dir}/run.png`;
      const shot = await screenshot(url, png, [1080, 1400]);
      assert.deepEqual(shot.console, []);
      const image = await decodePng(await Deno.readFile(png));
      assert.deepEqual([image.width, image.height], [1080, 1400]);
      const pixels = image.width * image.height;
      const background = countColour(image, [255, 255, 255], 0);
      assert.ok(pixels - background > pixels * 0.05, `${pixels - background} pixels drawn`);
      // The first run's points and band (#0072b2), the refusals' marks (#9467bd), the
      // load run's lines (#009e73): each colour is on the screen.
      assert.ok(countColour(image, [0x00, 0x72, 0xb2]) > 500, "run 1 is drawn");
      assert.ok(countColour(image, [0x94, 0x67, 0xbd]) > 100, "refusals are marked");
      assert.ok(countColour(image, [0x00, 0x9e, 0x73]) > 500, "the load run is drawn");
      const keep = Deno.env.get("REPORT_SCREENSHOT");
      if (keep) {
        assert.ok((await new Deno.Command("cp", { args: [png, keep] }).output()).success);
      }
    } finally {
      removeDir(dir);
    }
  },
});

Deno.test({
  name:
    "report: real UDP, TLS, connect-only and refused runs in headless Chromium, each said as it ran",
  ignore: skip,
  async fn() {
    // A UDP echo that answers every datagram twice, holds probe 2's reply until probe 3
    // is in (reordered), and never answers probe 5 (lost).
    const third = Promise.withResolvers<void>();
    await using udp = new FakeUdpServer(async (datagram, _from, reply) => {
      const seq = seqOf(datagram);
      if (seq === 3) third.resolve();
      if (seq === 5) return;
      if (seq === 2) await third.promise;
      await reply(datagram);
      await reply(datagram);
    });
    await using tls = await CliServer.start(["--host", "127.0.0.1", "--port", "0", "--tls"]);
    const pin = /sha256=(\S+)/.exec(await tls.stdout.line() ?? "")![1]!;
    using service = Deno.listen({ hostname: "127.0.0.1", port: 0 }); // accepts by its backlog
    const refused = `127.0.0.1:${closedPort()}`;
    const overUdp = await clientLines(
      [`127.0.0.1:${udp.port}`, "--udp", "-c", "30", "-i", "10ms", "-t", "1s"],
      1,
    );
    const overTls = await clientLines(
      [
        `127.0.0.1:${tls.port}`,
        "--insecure-skip-verify",
        "--pin-sha256",
        pin,
        "-c",
        "20",
        "-i",
        "10ms",
      ],
      0,
    );
    const connectOnly = await clientLines(
      [`127.0.0.1:${service.addr.port}`, "--connect-only", "-c", "20", "-i", "10ms"],
      0,
    );
    const failed = await clientLines([refused, "-c", "5", "-i", "10ms"], 1);
    const udpSummary = summaryOf(overUdp);
    assert.equal(udpSummary.lost, 1);
    assert.ok(udpSummary.duplicates! >= 28, `${udpSummary.duplicates} duplicates`);
    assert.ok(udpSummary.reordered! >= 1);
    const dir = tempDir("echoprobe-report-");
    try {
      const page = `${dir}/modes.html`;
      const report = await reportToFile(overUdp + overTls + connectOnly + failed, page);
      assert.equal(report.code, 0, report.stderr);
      assert.equal(report.stderr, "");
      const url = `file://${page}`;
      const { stdout: dom, console: messages } = await runChromium(url, ["--dump-dom"]);
      assert.deepEqual(messages, []);
      const count = (pattern: RegExp) => dom.match(pattern)?.length ?? 0;
      // One run per client run: the UDP run's reordered and late lines do not cut it.
      assert.match(dom, /4 runs from \d+ lines/);
      assert.equal(count(/<circle class="pt r0"/g), udpSummary.received, "a point per reply");
      assert.equal(count(/<rect class="fail k\d+"[^>]*data-code="timeout"/g), 1, "the lost one");
      for (
        const text of [
          "<td>UDP ping</td>",
          "<h2>UDP</h2>",
          `<td>1</td><td>${udpSummary.duplicates}</td><td>${udpSummary.reordered}</td><td>0</td>`,
          "TCP ping over TLS (TLSv1.3), a new connection per probe",
          "TLS verified: pin",
          "TCP ping, connect only",
          refused,
          "Connection refused",
        ]
      ) {
        assert.ok(dom.includes(text), text);
      }
      assert.match(dom, /connect [\d.]+, TLS [\d.]+, echo [\d.]+ ms \(means\)/);
      assert.match(dom, /certificate 36[45] days left/, "a self-signed certificate of a year");
      // The median interval is the machine's (10 ms asked); what was sent is not.
      assert.match(dom, /20 probes, interval ≈ [\d.]+ ms \(median\), nothing sent/);
      assert.doesNotMatch(dom, /Passed over/, "every object drawn: duplicates, late, summaries");
      const png = `${dir}/modes.png`;
      const shot = await screenshot(url, png, [1080, 1400]);
      assert.deepEqual(shot.console, []);
      const image = await decodePng(await Deno.readFile(png));
      const background = countColour(image, [255, 255, 255], 0);
      assert.ok(image.width * image.height - background > image.width * image.height * 0.05);
    } finally {
      removeDir(dir);
    }
  },
});
