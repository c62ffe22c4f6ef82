import assert from "node:assert/strict";
import { LINE_BUFFER_BYTES } from "../cli/line_queue.ts";
import { ServerOutput } from "../cli/server_output.ts";

/** Both outputs of a server, as one transcript: which stream got what, in order. */
class Transcript {
  readonly entries: string[] = [];
  /** Set: stderr's writes never end (a pipe nobody reads). */
  stderrStuck = false;

  output(name: "stdout" | "stderr") {
    return {
      write: (p: Uint8Array): Promise<number> => {
        if (name === "stderr" && this.stderrStuck) return new Promise(() => {});
        for (const line of new TextDecoder().decode(p).trimEnd().split("\n")) {
          this.entries.push(`${name}: ${line}`);
        }
        return Promise.resolve(p.length);
      },
    };
  }
}

Deno.test("ServerOutput.finish() writes the log lines waiting before the last line, which counts those dropped", async () => {
  const transcript = new Transcript();
  using output = new ServerOutput(transcript.output("stdout"), transcript.output("stderr"));
  output.results.write("echoprobe server listening on 127.0.0.1:3005");
  output.results.write("echoprobe server listening on udp 127.0.0.1:3005");
  output.logs.write("closed 127.0.0.1:40000 records=1");
  output.logs.write("udp 127.0.0.1 received=1");
  await output.finish((logDropped) => `stopped log_dropped=${logDropped}`);
  // A second server (UDP beside TCP) ends after the first, through the same queues.
  output.logs.write("udp 127.0.0.2 received=2");
  await output.finish((logDropped) => `stopped udp log_dropped=${logDropped}`);
  const { entries } = transcript;
  assert.deepEqual(entries.filter((entry) => entry.startsWith("stdout")), [
    "stdout: echoprobe server listening on 127.0.0.1:3005",
    "stdout: echoprobe server listening on udp 127.0.0.1:3005",
    "stdout: stopped log_dropped=0",
    "stdout: stopped udp log_dropped=0",
  ]);
  assert.deepEqual(entries.filter((entry) => entry.startsWith("stderr")), [
    "stderr: closed 127.0.0.1:40000 records=1",
    "stderr: udp 127.0.0.1 received=1",
    "stderr: udp 127.0.0.2 received=2",
  ]);
  // Each last line after the log lines written before it (for `2>&1`).
  const at = (entry: string) => entries.indexOf(entry);
  assert.ok(at("stdout: stopped log_dropped=0") > at("stderr: udp 127.0.0.1 received=1"));
  assert.ok(at("stdout: stopped udp log_dropped=0") > at("stderr: udp 127.0.0.2 received=2"));
});

Deno.test("ServerOutput counts the log lines a stuck stderr loses, and still writes the last line", async () => {
  const transcript = new Transcript();
  transcript.stderrStuck = true;
  using output = new ServerOutput(transcript.output("stdout"), transcript.output("stderr"));
  const line = "x".repeat(99);
  const lines = Math.ceil(LINE_BUFFER_BYTES / 100) + 10; // more than the queue holds
  for (let i = 0; i < lines; i++) output.logs.write(line);
  assert.ok(output.logDropped >= 10, `${output.logDropped} dropped at once`);
  const started = performance.now();
  await output.finish((logDropped) => `stopped log_dropped=${logDropped}`);
  const waited = performance.now() - started;
  // Given up after the stall bound (1 s): every line is dropped, the last line counts them.
  assert.equal(output.logDropped, lines);
  assert.deepEqual(transcript.entries, [`stdout: stopped log_dropped=${lines}`]);
  assert.ok(waited >= 900 && waited < 5_000, `gave up after ${waited} ms`);
});
