/**
 * install.sh against fake release assets on a loopback HTTP server, under dash and
 * bash, with uname(1) replaced to play each platform.
 */
import assert from "node:assert/strict";

const INSTALL = new URL("../install.sh", import.meta.url).pathname;
const FAKE_BIN = new URL("./fixtures/fake-bin", import.meta.url).pathname;
const SHELLS = ["dash", "bash"];
const PLATFORMS = [
  { os: "Linux", arch: "x86_64", asset: "echoprobe-x86_64-unknown-linux-gnu" },
  { os: "Linux", arch: "aarch64", asset: "echoprobe-aarch64-unknown-linux-gnu" },
  { os: "Darwin", arch: "x86_64", asset: "echoprobe-x86_64-apple-darwin" },
  { os: "Darwin", arch: "arm64", asset: "echoprobe-aarch64-apple-darwin" },
];

const encoder = new TextEncoder();

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Release files by URL path: a fake binary per asset (a script naming itself) and SHA256SUMS. */
async function release(
  tag: string,
  corrupt = false,
): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  const sums: string[] = [];
  for (const { asset } of PLATFORMS) {
    const bytes = encoder.encode(`#!/bin/sh\necho "fake ${asset} ${tag}"\n`);
    sums.push(`${await sha256(bytes)}  ${asset}`);
    files.set(asset, corrupt ? encoder.encode(`#!/bin/sh\necho "tampered"\n`) : bytes);
  }
  files.set("SHA256SUMS", encoder.encode(sums.join("\n") + "\n"));
  return files;
}

/** A loopback server of releases: /download/TAG/FILE and /latest/download/FILE. */
async function releaseServer() {
  const releases = new Map([
    ["v1.2.3", await release("v1.2.3")],
    ["v2.0.0", await release("v2.0.0")],
    ["v6.6.6", await release("v6.6.6", true)],
  ]);
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const path = new URL(request.url).pathname;
    requests.push(path);
    const match = /^\/(?:download\/([^/]+)|latest\/download)\/([^/]+)$/.exec(path);
    const body = match ? releases.get(match[1] ?? "v2.0.0")?.get(match[2]!) : undefined;
    return body ? new Response(body) : new Response("not found", { status: 404 });
  });
  return { server, requests, baseUrl: `http://127.0.0.1:${server.addr.port}` };
}

/** A new empty directory (made by mktemp, so the test needs no write permission). */
function tempDir(): string {
  const output = new Deno.Command("mktemp", { args: ["-d"], stdout: "piped" }).outputSync();
  return new TextDecoder().decode(output.stdout).trim();
}

function removeDir(dir: string): void {
  new Deno.Command("rm", { args: ["-rf", dir] }).outputSync();
}

async function install(
  shell: string,
  platform: { os: string; arch: string },
  baseUrl: string,
  args: string[],
) {
  const output = await new Deno.Command(shell, {
    args: [INSTALL, ...args],
    env: {
      PATH: `${FAKE_BIN}:${Deno.env.get("PATH")}`,
      FAKE_OS: platform.os,
      FAKE_ARCH: platform.arch,
      ECHOPROBE_BASE_URL: baseUrl,
      HOME: "/nonexistent",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

function run(path: string): string {
  return new TextDecoder().decode(new Deno.Command(path, { stdout: "piped" }).outputSync().stdout);
}

for (const shell of SHELLS) {
  Deno.test(`install.sh (${shell}) installs the asset of each platform, checked`, async () => {
    const { server, requests, baseUrl } = await releaseServer();
    await using _ = server;
    for (const platform of PLATFORMS) {
      const dir = tempDir();
      try {
        const result = await install(shell, platform, baseUrl, [
          "--version",
          "v1.2.3",
          "--dir",
          dir,
        ]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stderr, "");
        assert.match(
          result.stdout,
          new RegExp(
            `installed ${dir}/echoprobe \\(${platform.asset} v1\\.2\\.3, sha256 [0-9a-f]{64}\\)`,
          ),
        );
        assert.match(result.stdout, new RegExp(`${dir} is not on your PATH`));
        assert.equal(run(`${dir}/echoprobe`), `fake ${platform.asset} v1.2.3\n`);
        assert.deepEqual(requests.splice(0), [
          `/download/v1.2.3/${platform.asset}`,
          "/download/v1.2.3/SHA256SUMS",
        ]);
      } finally {
        removeDir(dir);
      }
    }
  });

  Deno.test(`install.sh (${shell}) installs the latest release by default`, async () => {
    const { server, requests, baseUrl } = await releaseServer();
    await using _ = server;
    const dir = tempDir();
    try {
      const result = await install(shell, PLATFORMS[0]!, baseUrl, ["--dir", dir]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(run(`${dir}/echoprobe`), `fake ${PLATFORMS[0]!.asset} v2.0.0\n`);
      assert.equal(requests[0], `/latest/download/${PLATFORMS[0]!.asset}`);
    } finally {
      removeDir(dir);
    }
  });

  Deno.test(`install.sh (${shell}) refuses a download that does not match SHA256SUMS`, async () => {
    const { server, baseUrl } = await releaseServer();
    await using _ = server;
    const dir = tempDir();
    try {
      const result = await install(shell, PLATFORMS[0]!, baseUrl, [
        "--version",
        "v6.6.6",
        "--dir",
        dir,
      ]);
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /^echoprobe install: checksum mismatch for echoprobe-x86_64-unknown-linux-gnu: SHA256SUMS says [0-9a-f]{64}, the download is [0-9a-f]{64}; nothing was installed\n$/,
      );
      assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing installed");
    } finally {
      removeDir(dir);
    }
  });

  Deno.test(`install.sh (${shell}) names an unknown platform, a missing release and a bad flag`, async () => {
    const { server, baseUrl } = await releaseServer();
    await using _ = server;
    const plan9 = await install(shell, { os: "Plan9", arch: "x86_64" }, baseUrl, []);
    assert.equal(plan9.code, 1);
    assert.match(plan9.stderr, /no release for the OS "Plan9": there are Linux and macOS builds/);
    const mips = await install(shell, { os: "Linux", arch: "mips" }, baseUrl, []);
    assert.equal(mips.code, 1);
    assert.match(
      mips.stderr,
      /no release for the architecture "mips": there are x86_64 and aarch64 builds/,
    );
    const missing = await install(shell, PLATFORMS[0]!, baseUrl, [
      "--version",
      "v9.9.9",
      "--dir",
      "/nonexistent/x",
    ]);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /could not download .*\/download\/v9\.9\.9\/echoprobe-x86_64-unknown-linux-gnu/,
    );
    const flag = await install(shell, PLATFORMS[0]!, baseUrl, ["--force"]);
    assert.equal(flag.code, 1);
    assert.match(flag.stderr, /unknown argument "--force"/);
  });
}
