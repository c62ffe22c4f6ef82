/** The UDP server's source table: per-source buckets, the period report, its bound. */
import assert from "node:assert/strict";
import { SourceTable } from "../lib/udp_sources.ts";

Deno.test("SourceTable reports the busiest sources first and the rest added up", () => {
  const table = new SourceTable(100, { rate: 10, burst: 10 });
  const sent: [string, number][] = [["10.0.0.1", 3], ["10.0.0.2", 9], ["10.0.0.3", 1]];
  for (const [address, count] of sent) {
    for (let i = 0; i < count; i++) {
      const entry = table.entry(address, 0);
      entry.received++;
      if (i === 0) entry.refuse("too-large");
      else {
        entry.answered++;
        entry.bytes += 100;
      }
    }
  }
  const { sources, others } = table.report(2, 0);
  assert.deepEqual(sources.map((source) => source.address), ["10.0.0.2", "10.0.0.1"]);
  assert.deepEqual(sources[0], {
    address: "10.0.0.2",
    received: 9,
    answered: 8,
    bytes: 800,
    refused: 1,
    refusedBy: { "too-large": 1 },
    sendErrors: 0,
  });
  assert.deepEqual(others, {
    sources: 1,
    received: 1,
    answered: 0,
    bytes: 0,
    refused: 1,
    refusedBy: { "too-large": 1 },
    sendErrors: 0,
  });
});

Deno.test("SourceTable starts a new period at each report, and forgets quiet full buckets", () => {
  const table = new SourceTable(100, { rate: 10, burst: 1 });
  const busy = table.entry("10.0.0.1", 0);
  busy.received++;
  assert.equal(table.take(busy, 0), true);
  table.report(10, 0);
  assert.deepEqual(table.report(10, 50), { sources: [], others: undefined }, "nothing since");
  assert.equal(table.size, 1, "its bucket is not full again yet: kept");
  table.report(10, 100);
  assert.equal(table.size, 0, "full again after 100 ms at 10/s: forgotten");
});

Deno.test("SourceTable counts an IPv4-mapped address as the IPv4 one", () => {
  const table = new SourceTable(100, { rate: 1, burst: 1 });
  assert.equal(table.entry("::ffff:10.1.2.3", 0), table.entry("10.1.2.3", 0));
  assert.equal(table.size, 1);
});

Deno.test("SourceTable holds at most maxSources, the oldest going first, counts kept", () => {
  const table = new SourceTable(3, { rate: 1, burst: 1 });
  for (let i = 1; i <= 10; i++) table.entry(`10.0.0.${i}`, 0).received++;
  assert.equal(table.size, 3);
  const { sources, others } = table.report(10, 0);
  assert.deepEqual(sources.map((source) => source.address), ["10.0.0.8", "10.0.0.9", "10.0.0.10"]);
  assert.deepEqual([others?.sources, others?.received], [7, 7]);
});
