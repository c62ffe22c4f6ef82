/**
 * `deno task compile:all`: compiles echoprobe for every release target into `dist/`
 * (`dist/echoprobe-<target>[.exe]`) and writes `dist/SHA256SUMS` for them.
 *
 * The binaries get the permissions and unstable features of `deno task compile`
 * (tests/compile_test.ts holds the two to the same flags). The first compile per target downloads Deno's runtime
 * for it (denort), or takes the one `DENORT_BIN` names (host target only).
 *
 * @module
 */

/** The release targets, as `deno compile --target` names them. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** The permission flags compiled into every binary: the program needs the network only. */
export const COMPILE_PERMISSIONS = ["--allow-net"] as const;

/** Deno's unstable features compiled in: `net`, for UDP (`Deno.listenDatagram`). */
export const COMPILE_UNSTABLE = ["--unstable-net"] as const;

/**
 * V8 flags compiled into every binary (and given to `deno task serve`): a young
 * generation of at most 8 MiB per semi-space. Seen here: a server under 32 loops of
 * new connections peaked at 123 MB RSS with V8's default, 81 MB with this, at the
 * same throughput (bench/RESULTS.md). And `gc()`, which the server calls once its
 * connections stop coming, to give the heap's pages back (cli/idle_collect.ts).
 */
export const V8_FLAGS = ["--v8-flags=--max-semi-space-size=8,--expose-gc"] as const;

/** The file name of the binary for `target`. */
export function assetName(target: string): string {
  return `echoprobe-${target}${target.includes("windows") ? ".exe" : ""}`;
}

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

if (import.meta.main) {
  const dist = new URL("../dist/", import.meta.url).pathname;
  const main = new URL("../main.ts", import.meta.url).pathname;
  await Deno.mkdir(dist, { recursive: true });
  const sums: string[] = [];
  for (const target of TARGETS) {
    const output = `${dist}${assetName(target)}`;
    const { success } = await new Deno.Command(Deno.execPath(), {
      args: [
        "compile",
        ...COMPILE_PERMISSIONS,
        ...COMPILE_UNSTABLE,
        ...V8_FLAGS,
        "--target",
        target,
        "--output",
        output,
        main,
      ],
    }).spawn().status;
    if (!success) {
      // deno-lint-ignore no-console -- this script's report
      console.error(`compile:all: compiling for ${target} failed`);
      Deno.exit(1);
    }
    sums.push(`${await sha256(output)}  ${assetName(target)}`);
  }
  await Deno.writeTextFile(`${dist}SHA256SUMS`, sums.join("\n") + "\n");
  // deno-lint-ignore no-console -- this script's report
  console.log(`compile:all: ${TARGETS.length} binaries and SHA256SUMS in ${dist}`);
}
