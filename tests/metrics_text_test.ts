/** `cli/metrics_text.ts`: the Prometheus text exposition, byte for byte. */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import {
  buildInfoFamily,
  formatValue,
  processFamilies,
  renderMetrics,
  seconds,
} from "../cli/metrics_text.ts";

Deno.test("renderMetrics() writes HELP, TYPE and one line per sample, labels in order", () => {
  assert.equal(
    renderMetrics([
      { name: "probe_success", type: "gauge", help: "1 when it worked", samples: [{ value: 1 }] },
      {
        name: "echoprobe_server_connections_closed_total",
        type: "counter",
        help: "Connections closed",
        samples: [
          { labels: { reason: "eof" }, value: 3 },
          { labels: { reason: "timeout", peer: "x" }, value: 0 },
        ],
      },
    ]),
    [
      "# HELP probe_success 1 when it worked",
      "# TYPE probe_success gauge",
      "probe_success 1",
      "# HELP echoprobe_server_connections_closed_total Connections closed",
      "# TYPE echoprobe_server_connections_closed_total counter",
      'echoprobe_server_connections_closed_total{reason="eof"} 3',
      'echoprobe_server_connections_closed_total{reason="timeout",peer="x"} 0',
      "",
    ].join("\n"),
  );
});

Deno.test("renderMetrics() escapes label values and help, and leaves out empty families", () => {
  assert.equal(
    renderMetrics([
      { name: "a", type: "gauge", help: "back\\slash\nnew line", samples: [] },
      {
        name: "b",
        type: "gauge",
        help: 'a "quoted" back\\slash\nline',
        samples: [{ labels: { v: 'say "hi"\\\n' }, value: 2 }],
      },
    ]),
    '# HELP b a "quoted" back\\\\slash\\nline\n# TYPE b gauge\nb{v="say \\"hi\\"\\\\\\n"} 2\n',
  );
  assert.equal(renderMetrics([]), "");
});

Deno.test("formatValue() writes NaN and the infinities as Prometheus reads them", () => {
  assert.deepEqual(
    [NaN, Infinity, -Infinity, 0, 0.000123, 1e-7, 42].map(formatValue),
    ["NaN", "+Inf", "-Inf", "0", "0.000123", "1e-7", "42"],
  );
});

Deno.test("seconds() turns milliseconds into seconds, to the microsecond", () => {
  assert.equal(seconds(1.2345678), 0.001235);
  assert.equal(seconds(1500), 1.5);
  assert.ok(Number.isNaN(seconds(NaN)));
});

Deno.test("buildInfoFamily() and processFamilies() carry the version, memory and start time", () => {
  assert.equal(
    renderMetrics([buildInfoFamily(), ...processFamilies(52_428_800, 1_700_000_000_123.4)]),
    [
      "# HELP echoprobe_build_info Always 1; the labels name the echoprobe and Deno versions",
      "# TYPE echoprobe_build_info gauge",
      `echoprobe_build_info{version="${denoJson.version}",deno="${Deno.version.deno}"} 1`,
      "# HELP process_resident_memory_bytes Resident memory size in bytes",
      "# TYPE process_resident_memory_bytes gauge",
      "process_resident_memory_bytes 52428800",
      "# HELP process_start_time_seconds Start time of the process since the Unix epoch in seconds",
      "# TYPE process_start_time_seconds gauge",
      "process_start_time_seconds 1700000000.123",
      "",
    ].join("\n"),
  );
});
