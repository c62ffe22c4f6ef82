/**
 * The compiled binary: its permissions agree with what the code asks for, and, where
 * Deno's compile runtime (denort) is available, a built binary serves and probes.
 */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { REQUIRED_PERMISSIONS, REQUIRED_UNSTABLE } from "../cli/exit.ts";
import {
  assetName,
  COMPILE_PERMISSIONS,
  COMPILE_UNSTABLE,
  TARGETS,
  V8_FLAGS,
} from "../scripts/compile_all.ts";
import { serveUdp } from "../lib/udp_server.ts";
import { closedPort, RUN_FLAGS, runCli } from "./helpers.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The `--allow-*` flags of a command line. */
function permissionFlags(command: string): string[] {
  return command.split(/\s+/).filter((word) => word.startsWith("--allow-")).sort();
}

Deno.test("the compile tasks, the run tasks and the code ask for the same permissions", () => {
  const expected = REQUIRED_PERMISSIONS.map((name) => `--allow-${name}`).sort();
  assert.deepEqual(permissionFlags(denoJson.tasks.compile), expected);
  assert.deepEqual([...COMPILE_PERMISSIONS].sort(), expected);
  assert.deepEqual(permissionFlags(denoJson.tasks.serve), expected);
  assert.deepEqual(permissionFlags(denoJson.tasks.client), expected);
});

Deno.test("the tasks, compile:all, the test spawns and the code turn on the same unstable features", () => {
  const unstableFlags = (words: readonly string[]) =>
    words.filter((word) => word.startsWith("--unstable-")).sort();
  const expected = REQUIRED_UNSTABLE.map((name) => `--unstable-${name}`).sort();
  assert.deepEqual(expected, ["--unstable-net"]);
  for (const task of ["serve", "client", "test", "soak", "test:portable", "compile"] as const) {
    assert.deepEqual(unstableFlags(denoJson.tasks[task].split(/\s+/)), expected, task);
  }
  assert.deepEqual(unstableFlags(COMPILE_UNSTABLE), expected, "compile:all");
  assert.deepEqual(unstableFlags(RUN_FLAGS), expected, "tests/helpers.ts");
  assert.deepEqual(permissionFlags(RUN_FLAGS.join(" ")), permissionFlags(denoJson.tasks.client));
});

Deno.test("without --unstable-net, UDP is one line naming the flag and exit 3; TCP runs", async () => {
  for (const args of [["server", "--udp", "--port", "0"], ["client", "127.0.0.1", "--udp"]]) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", `${ROOT}main.ts`, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(output.code, 3, args.join(" "));
    assert.equal(output.stdout.length, 0);
    assert.equal(
      new TextDecoder().decode(output.stderr),
      "echoprobe: UDP needs Deno's unstable network API: run with --unstable-net (deno run --allow-net --unstable-net main.ts ...)\n",
    );
  }
  // TCP needs no unstable API: a refused probe is a check that failed, not a start-up error.
  const tcp = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", `${ROOT}main.ts`, "client", `127.0.0.1:${closedPort()}`, "-q"],
    stdout: "null",
    stderr: "null",
  }).output();
  assert.equal(tcp.code, 1);
});

Deno.test("the compile tasks and the serve task give V8 the same flags", () => {
  const v8Flags = (command: string) =>
    command.split(/\s+/).filter((word) => word.startsWith("--v8-flags"));
  assert.deepEqual(v8Flags(denoJson.tasks.compile), [...V8_FLAGS]);
  assert.deepEqual(v8Flags(denoJson.tasks.serve), [...V8_FLAGS]);
});

Deno.test("compile:all names one asset per release target", () => {
  assert.deepEqual(TARGETS.map(assetName), [
    "echoprobe-x86_64-unknown-linux-gnu",
    "echoprobe-aarch64-unknown-linux-gnu",
    "echoprobe-x86_64-apple-darwin",
    "echoprobe-aarch64-apple-darwin",
    "echoprobe-x86_64-pc-windows-msvc.exe",
  ]);
});

Deno.test("without --allow-net, echoprobe says which permission is missing and exits 3", async () => {
  for (const args of [["server"], ["client", "127.0.0.1"], ["exporter"]]) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", `${ROOT}main.ts`, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(output.code, 3);
    assert.equal(
      new TextDecoder().decode(output.stderr),
      "echoprobe: Missing net permission: run with --allow-net (deno run --allow-net main.ts ...)\n",
    );
  }
  // --help and --version need no permission.
  assert.equal((await runCli(["--version"])).code, 0);
  for (const command of ["server", "client", "exporter", "report"]) {
    const help = await new Deno.Command(Deno.execPath(), {
      args: ["run", `${ROOT}main.ts`, command, "--help"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(help.code, 0, `${command} --help: ${new TextDecoder().decode(help.stderr)}`);
    assert.match(new TextDecoder().decode(help.stdout), new RegExp(`^Usage: echoprobe ${command}`));
  }
});

Deno.test("deno compile can see every subcommand module: the dynamic imports are in the graph", async () => {
  // `deno compile` embeds the modules `deno info` lists from main.ts; a subcommand
  // imported by a specifier it cannot follow would be missing from the binary.
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", `${ROOT}main.ts`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const graph: {
    modules: {
      specifier: string;
      dependencies?: { specifier: string; isDynamic?: boolean }[];
    }[];
  } = JSON.parse(new TextDecoder().decode(output.stdout));
  const url = (path: string) => new URL(path, `file://${ROOT}`).href;
  const listed = new Set(graph.modules.map((module) => module.specifier));
  for (
    const path of [
      "main.ts",
      "server.ts",
      "client.ts",
      "exporter.ts",
      "cli/completions.ts",
      "cli/client_run.ts",
      "cli/server_run.ts",
      "report.ts",
      "cli/report_run.ts",
      "cli/server_metrics.ts",
      "cli/exporter_run.ts",
      // The exporter's UDP series (proto=udp), statically imported by its handler.
      "cli/exporter_udp.ts",
      "cli/udp_client_run.ts",
      "cli/udp_server_run.ts",
      // TLS, loaded when a run uses it: lib/connect_probe.ts and cli/tls_files.ts import it.
      "lib/tls.ts",
      "lib/tls_stream.ts",
      "lib/tls_server.ts",
    ]
  ) {
    assert.ok(listed.has(url(path)), `${path} is not in the module graph of main.ts`);
  }
  const dynamic = (path: string) =>
    graph.modules.find((module) => module.specifier === url(path))?.dependencies
      ?.filter((dependency) => dependency.isDynamic).map((dependency) => dependency.specifier)
      .sort();
  assert.deepEqual(dynamic("main.ts"), [
    "./cli/completions.ts",
    "./client.ts",
    "./exporter.ts",
    "./report.ts",
    "./server.ts",
  ]);
  assert.deepEqual(dynamic("client.ts"), ["./cli/client_run.ts"]);
  assert.deepEqual(dynamic("report.ts"), ["./cli/report_run.ts"]);
  assert.deepEqual(dynamic("exporter.ts"), ["./cli/exporter_run.ts"]);
  assert.deepEqual(dynamic("cli/server_run.ts"), ["./server_metrics.ts"]);
  assert.deepEqual(dynamic("cli/udp_server_run.ts"), ["./server_metrics.ts"]);
  assert.deepEqual(dynamic("server.ts"), ["./cli/server_run.ts", "./cli/udp_server_run.ts"]);
  assert.deepEqual(dynamic("cli/client_run.ts"), ["./udp_client_run.ts"]);
  assert.deepEqual(dynamic("lib/connect_probe.ts"), ["./tls.ts"]);
});

/** Where a compile could find the runtime for this machine, or why it cannot. */
function compileRuntime(): { env: Record<string, string> } | { skip: string } {
  const fromEnv = Deno.env.get("DENORT_BIN");
  if (fromEnv) {
    try {
      Deno.statSync(fromEnv);
      return { env: { DENORT_BIN: fromEnv } };
    } catch {
      return { skip: `DENORT_BIN names "${fromEnv}", which cannot be read` };
    }
  }
  const denoDir = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;
  const cached = `${denoDir}/dl/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`;
  try {
    Deno.statSync(cached);
    return { env: {} };
  } catch {
    return {
      skip:
        `no compile runtime: DENORT_BIN is not set and ${cached} is not in Deno's cache (deno compile would download it)`,
    };
  }
}

const runtime = compileRuntime();
if ("skip" in runtime) {
  // deno-lint-ignore no-console -- a skipped test says why, where it is counted
  console.log(`skipped: compiled binary test: ${runtime.skip}`);
}

Deno.test({
  name: "a compiled binary serves and probes (deno task compile)",
  ignore: "skip" in runtime,
  async fn() {
    const env = "env" in runtime ? runtime.env : {};
    const binary = `${ROOT}dist/test/echoprobe`;
    const compile = await new Deno.Command(Deno.execPath(), {
      args: [
        "compile",
        ...COMPILE_PERMISSIONS,
        ...COMPILE_UNSTABLE,
        ...V8_FLAGS,
        "--output",
        binary,
        `${ROOT}main.ts`,
      ],
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(compile.success, new TextDecoder().decode(compile.stderr));
    const version = await new Deno.Command(binary, { args: ["--version"], stdout: "piped" })
      .output();
    assert.match(new TextDecoder().decode(version.stdout), /^echoprobe \d+\.\d+\.\d+ \(deno /);
    const server = new Deno.Command(binary, {
      args: ["server", "--host", "127.0.0.1", "--port", "0"],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const { value } = await reader.read();
      const port = /:(\d+)\n?$/.exec(value ?? "")?.[1];
      await reader.cancel();
      assert.ok(port, `no listening line: ${value}`);
      const client = await new Deno.Command(binary, {
        args: ["client", `127.0.0.1:${port}`, "--json"],
        stdout: "piped",
      }).output();
      assert.equal(client.code, 0);
      assert.match(new TextDecoder().decode(client.stdout), /"ok":true/);
      // UDP: the binary carries --unstable-net (without it this is exit 3).
      await using udp = serveUdp({ hostname: "127.0.0.1", port: 0 });
      const udpClient = await new Deno.Command(binary, {
        args: ["client", `127.0.0.1:${udp.addr.port}`, "--udp", "--json"],
        stdout: "piped",
      }).output();
      assert.equal(udpClient.code, 0);
      assert.match(new TextDecoder().decode(udpClient.stdout), /"proto":"udp","seq":1,.*"ok":true/);
    } finally {
      server.kill("SIGTERM");
      await server.status;
      await server.stderr.cancel();
    }
  },
});
