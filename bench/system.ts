/**
 * What the benchmark reads from the machine and from the processes it runs: RSS,
 * CPU time, open descriptors, the port a server listens on, the open-files limit.
 *
 * Deno asks for `--allow-all` to read another process's /proc entries, so they are
 * read by small programs (`cat`, `ls`, `find`) that `--allow-run` covers.
 *
 * @module
 */

const decoder = new TextDecoder();

/** Prints a line of the benchmark's progress. */
export function log(text: string): void {
  // deno-lint-ignore no-console -- the benchmark's progress
  console.log(text);
}

/**
 * Runs a program to its end and returns its stdout.
 *
 * @throws {Error} When it exits with a failure: the command and its stderr.
 */
export async function output(command: readonly string[]): Promise<string> {
  const [program, ...args] = command;
  const result = await new Deno.Command(program!, { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!result.success) {
    throw new Error(
      `"${command.join(" ")}" failed (exit ${result.code}): ${
        decoder.decode(result.stderr).trim()
      }`,
    );
  }
  return decoder.decode(result.stdout);
}

/** A process's memory and CPU time at one moment. */
export interface ProcessSample {
  /** Resident set size (VmRSS), KiB. */
  rssKiB: number;
  /** Peak resident set size (VmHWM), KiB. */
  peakKiB: number;
  /** User plus system CPU time since the process started, seconds. */
  cpuSeconds: number;
}

/**
 * Reads a {@linkcode ProcessSample} out of /proc/PID/status and /proc/PID/stat.
 *
 * @param status The text of /proc/PID/status.
 * @param stat The text of /proc/PID/stat.
 * @param ticksPerSecond The kernel's clock ticks per second (`getconf CLK_TCK`).
 * @throws {Error} When a field is missing.
 */
export function parseProcess(status: string, stat: string, ticksPerSecond: number): ProcessSample {
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    if (!match) throw new Error(`No "${field}" in /proc/PID/status`);
    return Number(match[1]);
  };
  // The fields after the command name, which may hold spaces and parentheses:
  // state is field 3, utime field 14, stime field 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new Error(`No CPU times in /proc/PID/stat: "${stat.trim()}"`);
  }
  return {
    rssKiB: kib("VmRSS"),
    peakKiB: kib("VmHWM"),
    cpuSeconds: (utime + stime) / ticksPerSecond,
  };
}

let ticks: Promise<number> | undefined;

/** The memory and CPU time of process `pid` now. */
export async function sampleProcess(pid: number): Promise<ProcessSample> {
  ticks ??= output(["getconf", "CLK_TCK"]).then(Number);
  // One `cat` for both files: the two figures come from the same moment.
  const text = await output(["cat", `/proc/${pid}/status`, `/proc/${pid}/stat`]);
  const statStart = text.lastIndexOf(`\n${pid} (`);
  return parseProcess(text.slice(0, statStart), text.slice(statStart + 1), await ticks);
}

/** How many descriptors process `pid` has open. */
export async function openFiles(pid: number): Promise<number> {
  const names = await output(["ls", "-U1", `/proc/${pid}/fd`]);
  return names.split("\n").filter((name) => name !== "").length;
}

/**
 * The port of the one TCP listener among a process's sockets.
 *
 * @param socketLinks The targets of the process's descriptors, one a line (`socket:[INODE]`).
 * @param tcpTables The text of /proc/PID/net/tcp and tcp6.
 * @returns The port, or `undefined` when none of those sockets is listening.
 */
export function parseListeningPort(socketLinks: string, tcpTables: string): number | undefined {
  const inodes = new Set(
    [...socketLinks.matchAll(/socket:\[(\d+)\]/g)].map((match) => match[1]),
  );
  for (const line of tcpTables.split("\n")) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    const columns = line.trim().split(/\s+/);
    const [, local, , state] = columns;
    if (state === "0A" && inodes.has(columns[9]) && local) {
      return parseInt(local.slice(local.lastIndexOf(":") + 1), 16);
    }
  }
  return undefined;
}

/**
 * The port process `pid` listens on. Every server in the benchmark listens on port 0
 * and this reads back what the kernel picked (the C reference prints the port it was
 * given, so it cannot tell).
 *
 * @throws {Error} When the process has no TCP listener.
 */
export async function listeningPort(pid: number): Promise<number> {
  const links = await output([
    "find",
    `/proc/${pid}/fd`,
    "-lname",
    "socket:*",
    "-printf",
    "%l\\n",
  ]);
  const tables = await output(["cat", `/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]);
  const port = parseListeningPort(links, tables);
  if (port === undefined) throw new Error(`Process ${pid} has no TCP listener`);
  return port;
}

/**
 * The open-files limit the benchmark gives its children: the hard limit of this
 * process (raising it needs privileges), at most 1,048,576.
 */
export async function openFilesLimit(): Promise<number> {
  const hard = (await output(["sh", "-c", "ulimit -Hn"])).trim();
  return hard === "unlimited" ? 1_048_576 : Math.min(Number(hard), 1_048_576);
}

/**
 * Waits until `done()` says yes, asking every `everyMs`: for process state that has
 * no event to wait on (descriptors opened or closed by another process).
 *
 * @throws {Error} After `timeoutMs`, naming `what`.
 */
export async function waitUntil(
  what: string,
  done: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await done())) {
    if (performance.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    }
    await delay(everyMs);
  }
}

/** A pause. In the benchmark it is a measurement's own interval, never a wait for an event. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Sends `signal` to `child` unless it has already exited (Deno throws a `TypeError`
 * then: there is nothing left to stop, and its status says how it ended).
 */
export function signalChild(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
}

/** The machine and the programs a result was measured with. */
export interface Machine {
  cpu: string;
  cores: number;
  kernel: string;
  deno: string;
  node: string;
  gcc: string;
  hyperfine: string;
}

/** Describes this machine (`/proc/cpuinfo` model name, kernel, versions). */
export async function describeMachine(): Promise<Machine> {
  const cpuinfo = await output(["cat", "/proc/cpuinfo"]);
  const models = [...cpuinfo.matchAll(/^model name\s*:\s*(.+)$/gm)].map((match) => match[1]!);
  return {
    cpu: models[0] ?? "unknown (no model name in /proc/cpuinfo)",
    cores: Number((await output(["nproc"])).trim()),
    kernel: (await output(["uname", "-sr"])).trim(),
    deno: `Deno ${Deno.version.deno} (V8 ${Deno.version.v8})`,
    node: `Node ${(await output(["node", "--version"])).trim()}`,
    gcc: (await output(["gcc", "--version"])).split("\n")[0]!,
    hyperfine: (await output(["hyperfine", "--version"])).trim(),
  };
}
