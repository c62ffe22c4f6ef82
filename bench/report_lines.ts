/**
 * Writes made-up `echoprobe client --json` lines of one ping run to stdout, to measure
 * `echoprobe report` on large inputs (README, Pictures):
 *
 *     deno run bench/report_lines.ts 1000000 > /tmp/1m.jsonl
 *     time deno run main.ts report < /tmp/1m.jsonl > /tmp/1m.html
 *
 * @module
 */

import { pingRunLines } from "../tests/report_fixture.ts";

const count = Number(Deno.args[0] ?? 1_000_000);
const encoder = new TextEncoder();
let batch: string[] = [];
const flush = () => {
  const bytes = encoder.encode(batch.join(""));
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
  batch = [];
};
for (const line of pingRunLines({ count, intervalMs: 10 })) {
  batch.push(`${line}\n`);
  if (batch.length === 10_000) flush();
}
flush();
