/**
 * cli/exporter_run.ts: how the exporter stops, on each signal and when its stdout fails,
 * as a user sees it.
 */
import assert from "node:assert/strict";
import { CliExporter, hasDevFull, MAIN, RUN_FLAGS } from "./helpers.ts";

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.test(`exporter: ${signal} stops it gracefully: the summary, exit 0`, async () => {
    await using exporter = await CliExporter.start(["--listen", "127.0.0.1:0", "--json"]);
    const health = await fetch(exporter.url("/healthz"));
    assert.equal(health.status, 200);
    await health.body?.cancel();
    const output = await exporter.stop(signal);
    // Before: SIGHUP ended it as the signal does by default (exit 129, no summary).
    assert.equal(output.code, 0, output.stderr);
    assert.equal(
      output.stdout,
      '{"event":"summary","success":0,"failure":0,"invalid":0,"busy":0}\n',
    );
    assert.equal(output.stderr, "");
  });
}

Deno.test({
  name: "exporter > /dev/full: one line and exit 3, and it does not go on serving",
  ignore: !hasDevFull(),
  fn: async () => {
    const output = await new Deno.Command("sh", {
      args: [
        "-c",
        'exec "$@" > /dev/full',
        "sh",
        Deno.execPath(),
        "run",
        ...RUN_FLAGS,
        MAIN,
        "exporter",
        "--listen",
        "127.0.0.1:0",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      // Before: "Unexpected error", and the exporter served on, without its ready line.
      signal: AbortSignal.timeout(10_000),
    }).output();
    assert.equal(output.signal, null, "ended by itself");
    assert.equal(output.code, 3);
    assert.equal(
      new TextDecoder().decode(output.stderr),
      "echoprobe: Cannot write to standard output: no space left on device\n",
    );
  },
});
