/**
 * Headless Chromium (Debian's `chromium`), kept off the network, for the report's
 * browser test and the README's picture: the DOM of a page after loading, its
 * console messages, and a screenshot. Each run has a fresh profile directory, a time
 * limit, and waits for Chromium's processes to leave before removing the directory.
 *
 *     deno run --allow-run --allow-read --allow-env scripts/chromium.ts run.html docs/report.png
 *
 * @module
 */

/** The flags of every run: headless, no sandbox (root in CI), nothing fetched or synced. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--disable-extensions",
  // Any name the page would look up fails at once: the page must need none.
  "--host-resolver-rules=MAP * ~NOTFOUND",
  "--hide-scrollbars",
  "--enable-logging=stderr",
  "--v=0",
] as const;

/** The program: `CHROMIUM` from the environment, or Debian's `chromium`. */
export function chromiumPath(): string {
  return Deno.env.get("CHROMIUM") ?? "chromium";
}

/** What a Chromium run printed. */
export interface ChromiumOutput {
  /** Standard output: the DOM with `--dump-dom`. */
  stdout: string;
  /** The page's console messages (Chromium's `CONSOLE` log lines). */
  console: string[];
  /** Everything on standard error, for a failure's message. */
  stderr: string;
}

/**
 * The processes with `dir` on their command line (Chromium's children name their
 * profile), by `pgrep`: reading /proc directly would need every permission.
 */
function processesUsing(dir: string): string[] {
  const output = new Deno.Command("pgrep", { args: ["-f", "--", dir], stdout: "piped" })
    .outputSync();
  return new TextDecoder().decode(output.stdout).split("\n").filter(Boolean);
}

/**
 * A new empty directory, made and later removed by `mktemp` and `rm`: the tests that
 * use it have no write permission.
 *
 * @returns Its path.
 */
export function tempDir(prefix: string): string {
  const output = new Deno.Command("mktemp", {
    args: ["-d", "-t", `${prefix}XXXXXX`],
    stdout: "piped",
  }).outputSync();
  if (!output.success) throw new Error("mktemp -d failed");
  return new TextDecoder().decode(output.stdout).trim();
}

/**
 * Removes a directory made by {@linkcode tempDir}.
 *
 * @param dir Its path.
 */
export function removeDir(dir: string): void {
  if (!new Deno.Command("rm", { args: ["-rf", "--", dir] }).outputSync().success) {
    throw new Error(`Could not remove "${dir}"`);
  }
}

/**
 * Runs Chromium on a page with `args` besides {@linkcode CHROMIUM_FLAGS}, in a fresh
 * profile that is removed afterwards.
 *
 * @param url The page (`file://...`).
 * @param args `--dump-dom`, or `--screenshot=PATH --window-size=W,H`.
 * @param timeoutMs The longest the run may take; Chromium is killed then.
 * @returns What it printed.
 * @throws {Error} When Chromium fails, is killed at the time limit, or its processes
 *   outlive it by 10 s.
 */
export async function runChromium(
  url: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<ChromiumOutput> {
  const profile = tempDir("echoprobe-chromium-");
  let output: Deno.CommandOutput;
  let leftovers: string[];
  try {
    output = await new Deno.Command(chromiumPath(), {
      args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...args, url],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(timeoutMs),
    }).output();
  } finally {
    leftovers = await release(profile);
  }
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  if (!output.success) {
    throw new Error(
      `chromium exited with ${output.code}${output.signal ? ` (${output.signal})` : ""}: ${
        stderr.slice(-2000)
      }`,
    );
  }
  if (leftovers.length > 0) {
    throw new Error(`chromium processes outlived the run by 10 s: ${leftovers.join(", ")}`);
  }
  const messages = stderr.split("\n").filter((line) => /:CONSOLE[:(]/.test(line));
  return { stdout, console: messages, stderr };
}

/**
 * Waits for the processes of a run to leave, then removes its profile. Chromium's
 * renderer and zygote leave just after the browser process; any still there after
 * 10 s (a bug to report) are killed by their ids.
 *
 * @returns The ids of the processes that had to be killed.
 */
async function release(profile: string): Promise<string[]> {
  const deadline = performance.now() + 10_000;
  let pids = processesUsing(profile);
  while (pids.length > 0 && performance.now() < deadline) {
    // No event tells when another program's children have left: look again shortly.
    await new Promise((resolve) => setTimeout(resolve, 20));
    pids = processesUsing(profile);
  }
  for (const pid of pids) {
    try {
      Deno.kill(Number(pid), "SIGKILL");
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error; // left meanwhile
    }
  }
  removeDir(profile);
  return pids;
}

/**
 * Takes a screenshot of a page.
 *
 * @param url The page (`file://...`).
 * @param png Where to write the PNG.
 * @param size The window, `[width, height]` in CSS pixels.
 * @returns What Chromium printed.
 */
export async function screenshot(
  url: string,
  png: string,
  size: readonly [number, number] = [1080, 1500],
): Promise<ChromiumOutput> {
  return await runChromium(url, [`--screenshot=${png}`, `--window-size=${size[0]},${size[1]}`]);
}

if (import.meta.main) {
  const [page, png, width, height] = Deno.args;
  if (!page || !png) throw new Error("Usage: scripts/chromium.ts PAGE.html OUT.png [WIDTH HEIGHT]");
  const url = new URL(page, `file://${Deno.cwd()}/`).href;
  const size: [number, number] = [Number(width ?? 1080), Number(height ?? 1500)];
  const { console: messages } = await screenshot(
    url,
    new URL(png, `file://${Deno.cwd()}/`).pathname,
    size,
  );
  if (messages.length > 0) throw new Error(`console messages:\n${messages.join("\n")}`);
}
