/**
 * The TLS and connect-only flags as users run them: `echoprobe server --tls`,
 * certificates from files or standard input, and `client --tls`, `--ca`,
 * `--connect-only`, through main.ts in a child process.
 */
import assert from "node:assert/strict";
import { selfSignedCertificate } from "../lib/certificate.ts";
import { CliServer, FakeServer, MAIN, runCli } from "./helpers.ts";

const made = await selfSignedCertificate();

/** Runs main.ts with `input` on standard input and only `--allow-net`, as the binary runs. */
async function runWithStdin(args: string[], input: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", MAIN, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("CLI: server --tls --json gives a tls event after the listening event", async () => {
  await using server = await CliServer.start([
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--tls",
    "--json",
  ]);
  assert.deepEqual(Object.keys(JSON.parse(server.readyLine)), ["event", "host", "port"]);
  const tls = JSON.parse(await server.stdout.line() ?? "");
  assert.deepEqual(Object.keys(tls), ["event", "sha256", "notAfter", "selfSigned"]);
  assert.equal(tls.event, "tls");
  assert.equal(tls.selfSigned, true);
  const days = (Date.parse(tls.notAfter) - Date.now()) / 86_400_000;
  assert.ok(days > 364 && days <= 365, `${days} days`);
});

Deno.test("CLI: server --tls-cert - --tls-key - reads one PEM text on stdin, with no read permission", async () => {
  await using server = await CliServer.start(
    ["--host", "127.0.0.1", "--port", "0", "--tls-cert", "-", "--tls-key", "-"],
    { stdin: made.cert + made.key },
  );
  assert.equal(
    await server.stdout.line(),
    `echoprobe server tls: certificate sha256=${made.sha256} expires ${
      made.notAfter.toISOString().replace(/\.\d+Z$/, "Z")
    }`,
  );
  // The client reads its CA on stdin too, and verifies chain and name.
  const client = await runWithStdin(
    ["client", `localhost:${server.port}`, "-4", "--ca", "-", "-c", "2", "-i", "10ms"],
    made.cert,
  );
  assert.equal(client.code, 0, client.stdout + client.stderr);
  assert.match(
    client.stdout,
    /^ECHOPROBE localhost:\d+: 250 bytes, .*, TLS, verifying chain and name\n/,
  );
  assert.equal(
    client.stdout.match(/^250 bytes from 127\.0\.0\.1:\d+: seq=\d .* cert=36[45]d$/gm)?.length,
    2,
  );
});

Deno.test("CLI: certificate files the server cannot use are one line naming the flag, exit 2", async (t) => {
  const other = await selfSignedCertificate();
  await t.step("no read permission: how to give them on stdin", async () => {
    const output = await runCli(["server", "--tls-cert", "c.pem", "--tls-key", "k.pem"]);
    assert.equal(output.code, 2);
    assert.equal(
      output.stderr,
      'echoprobe: Reading "c.pem" needs read permission: run with --allow-read, or give it on standard input: --tls-cert - --tls-key - < <(cat "c.pem" "k.pem")\n',
    );
  });
  await t.step("no such file", async () => {
    const output = await runCli(["server", "--tls-cert", "/nonexistent/c.pem", "--tls-key", "k"], {
      permissions: ["--allow-read"],
    });
    assert.equal(output.code, 2);
    assert.equal(
      output.stderr,
      'echoprobe: Cannot read --tls-cert "/nonexistent/c.pem": no such file\n',
    );
  });
  await t.step("a key that is not the certificate's", async () => {
    const output = await runWithStdin(
      ["server", "--port", "0", "--tls-cert", "-", "--tls-key", "-"],
      made.cert + other.key,
    );
    assert.equal(output.code, 2);
    assert.equal(
      output.stderr,
      `echoprobe: Cannot serve --tls-cert "-" with --tls-key "-": the key is not the certificate's\n`,
    );
  });
  await t.step("no certificate", async () => {
    const output = await runWithStdin(["server", "--tls-cert", "-", "--tls-key", "-"], made.key);
    assert.equal(output.code, 2);
    assert.equal(output.stderr, 'echoprobe: Invalid --tls-cert "-": no PEM certificate in it\n');
  });
});

Deno.test("CLI: client --ca of a directory says so in words, not the system's, exit 2", async () => {
  const dir = new URL("./fixtures", import.meta.url).pathname;
  const output = await runCli(["client", "127.0.0.1", "--ca", dir], {
    permissions: [`--allow-read=${dir}`],
  });
  assert.equal(output.code, 2);
  assert.equal(
    output.stderr,
    `echoprobe: Cannot read --ca "${dir}": it is a directory, not a file\n`,
  );
});

Deno.test("CLI: client --ca of a file that is not PEM certificates is a usage error", async () => {
  const output = await runWithStdin(["client", "127.0.0.1", "--ca", "-"], made.key);
  assert.equal(output.code, 2);
  assert.equal(output.stderr, 'echoprobe: Invalid --ca "-": no PEM certificate in it\n');
});

Deno.test("CLI: client --connect-only checks a service that never echoes; an echo probe of it fails", async () => {
  await using service = new FakeServer((_conn, released) => released);
  const echo = await runCli(["client", `127.0.0.1:${service.port}`, "--timeout", "300ms"]);
  assert.equal(echo.code, 1, "what a port check was before --connect-only");
  const output = await runCli([
    "client",
    `127.0.0.1:${service.port}`,
    ...["--connect-only", "-c", "3", "-i", "10ms"],
  ]);
  assert.equal(output.code, 0, output.stdout + output.stderr);
  const lines = output.stdout.split("\n");
  assert.equal(lines[0], `ECHOPROBE 127.0.0.1:${service.port}: connect only, nothing sent`);
  for (let seq = 1; seq <= 3; seq++) {
    assert.match(
      lines[seq]!,
      new RegExp(
        `^connected to 127\\.0\\.0\\.1:${service.port}: seq=${seq} time=[\\d.]+ ms local=127\\.0\\.0\\.1:\\d+$`,
      ),
    );
  }
  assert.match(output.stdout, /\n3 probes transmitted, 3 received, 0% loss/);
});

Deno.test("CLI: client --connect-only in load mode reports connections per second", async () => {
  await using service = new FakeServer(async () => {});
  const output = await runCli([
    "client",
    `127.0.0.1:${service.port}`,
    ...["--connect-only", "-n", "2", "-c", "20", "--json"],
  ]);
  assert.equal(output.code, 0, output.stderr);
  // Interval objects come first (one a second, the last for the part second left).
  const lines = output.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
  assert.ok(lines.slice(0, -1).every((line) => line.type === "interval"));
  const report = lines.at(-1);
  assert.deepEqual([report.type, report.connectOnly, report.ok, report.bytes], [
    "load",
    true,
    20,
    0,
  ]);
});

Deno.test("CLI: client --connect-only --until-ok waits for a TLS service and checks its certificate", async () => {
  await using server = await CliServer.start(["--host", "127.0.0.1", "--port", "0", "--tls"]);
  const output = await runCli([
    "client",
    `127.0.0.1:${server.port}`,
    ...["--connect-only", "--until-ok", "-c", "0", "-w", "5s", "--json"],
    ...[
      "--insecure-skip-verify",
      "--pin-sha256",
      /sha256=(\S+)/.exec(await server.stdout.line() ?? "")![1]!,
    ],
  ]);
  assert.equal(output.code, 0, output.stdout + output.stderr);
  const [probe, summary] = output.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(probe.connectOnly, true);
  assert.deepEqual(probe.tlsVerified, ["pin"]);
  // Made at start-up for 365 days: 364 whole days left (and some hours), floored.
  assert.ok(probe.tlsMs > 0);
  assert.equal(probe.certDaysLeft, 364);
  assert.equal(summary.received, 1);
});
