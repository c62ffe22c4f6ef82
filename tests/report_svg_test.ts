import assert from "node:assert/strict";
import {
  codeColour,
  escapeHtml,
  formatLatency,
  formatSpan,
  px,
  runColour,
  scaleLinear,
  xAxis,
} from "../cli/report_svg.ts";

Deno.test("formatLatency() keeps three significant digits; formatSpan() reads as people say it", () => {
  assert.deepEqual(
    [0.21349, 1.256, 12.54, 125.4, 1250.4, 0, NaN].map(formatLatency),
    ["0.213", "1.26", "12.5", "125", "1250", "0", "-"],
  );
  assert.deepEqual(
    [850.2, 59_940, 725_000, 7_380_000, Infinity].map(formatSpan),
    ["850 ms", "59.9 s", "12 min 5 s", "2 h 3 min", "-"],
  );
  assert.equal(px(12.345), "12.3");
});

Deno.test("codeColour() gives known codes their colour, unknown ones colours of their own", () => {
  assert.equal(codeColour("timeout", 5), "#d62728");
  assert.equal(codeColour("extra", 0), "#bcbd22");
  assert.notEqual(codeColour("quota", 0), codeColour("quota2", 1));
  assert.equal(runColour(0), "#0072b2");
  assert.equal(runColour(8), runColour(0), "colours repeat past eight runs");
});

Deno.test("xAxis() draws a labelled tick per value and its title, escaped", () => {
  const frame = { width: 200, height: 100, left: 10, right: 190, top: 0, bottom: 80 };
  const x = scaleLinear().domain([0, 10]).range([10, 190]);
  const svg = xAxis(x, frame, [0, 5, 10], (v) => (v === 5 ? "" : `${v} <s>`), "time & more");
  assert.equal(svg.match(/<line class="grid"/g)?.length, 2, "an empty label draws no line");
  assert.match(svg, /<text class="tick" x="190" y="96" text-anchor="middle">10 &lt;s&gt;<\/text>/);
  assert.match(svg, /<text class="axis-title"[^>]*>time &amp; more<\/text>/);
  assert.equal(escapeHtml("a'b"), "a&#39;b");
});
