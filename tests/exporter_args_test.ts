/** `parseExporterArgs()`: the exporter's argv to its plan, without a socket. */
import assert from "node:assert/strict";
import { parseExporterArgs } from "../exporter.ts";
import { assertUsageThrows } from "./helpers.ts";

Deno.test("parseExporterArgs() with no flags leaves every setting to its default", () => {
  assert.deepEqual(parseExporterArgs([]), { help: false, json: false });
});

Deno.test("parseExporterArgs() turns each flag into its typed setting", () => {
  assert.deepEqual(
    parseExporterArgs([
      "-l",
      "[::1]:0",
      "--max-concurrent",
      "8",
      "--timeout-offset",
      "250ms",
      "--ca",
      "ca.pem",
      "--json",
    ]),
    {
      help: false,
      json: true,
      listen: { hostname: "::1", port: 0 },
      maxConcurrent: 8,
      timeoutOffsetMs: 250,
      caFile: "ca.pem",
    },
  );
  assert.equal(parseExporterArgs(["-h"]).help, true);
});

Deno.test("parseExporterArgs() refuses bad input with the one line users see", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--listen", "3006"], /^Invalid --listen "3006": expected HOST:PORT or \[IPV6\]:PORT/],
    [["--listen", "0.0.0.0:99999"], /^Invalid --listen "0.0.0.0:99999"/],
    [["--max-concurrent", "0"], /^Invalid --max-concurrent "0": expected a whole number from 1/],
    [["--timeout-offset", "0.5"], /^Invalid --timeout-offset "0.5": expected a duration/],
    [["--bogus"], /^Unknown flag "--bogus" \(see "echoprobe exporter --help"\)$/],
    [["extra"], /^Unexpected argument "extra"/],
  ];
  for (const [args, pattern] of cases) {
    await t.step(args.join(" "), () => assertUsageThrows(() => parseExporterArgs(args), pattern));
  }
});

Deno.test("parseExporterArgs() with --help ignores the values of other flags", () => {
  assert.deepEqual(parseExporterArgs(["--listen", "3006", "-h", "--max-concurrent", "0"]), {
    help: true,
    json: false,
  });
});

Deno.test("parseExporterArgs() refuses a flag given twice, and durations the timers cannot hold", () => {
  assertUsageThrows(
    () => parseExporterArgs(["--listen", "127.0.0.1:0", "--listen", "127.0.0.1:1"]),
    /^Flag "--listen" given twice/,
  );
  assertUsageThrows(
    () => parseExporterArgs(["--timeout-offset", "597h"]),
    /^Invalid --timeout-offset "597h": .*596h/,
  );
  assertUsageThrows(
    () => parseExporterArgs(["--listen", "999.1.1.1:3006"]),
    /^Invalid --listen "999\.1\.1\.1:3006": expected an IPv4 address/,
  );
  assert.equal(parseExporterArgs(["--json", "--json"]).json, true, "a switch may repeat");
});
