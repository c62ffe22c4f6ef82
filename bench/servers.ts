/**
 * The servers under test (the peers of every round) and running one: pinned to
 * core 0, with the open-files limit raised, on a port the kernel picked.
 *
 * @module
 */

import { V8_FLAGS } from "../scripts/compile_all.ts";
import { BUILD, ROOT, type WorkloadName } from "./config.ts";
import {
  listeningPort,
  log,
  openFiles,
  type ProcessSample,
  sampleProcess,
  signalChild,
} from "./system.ts";

/** The peers' keys, in the order of the first round (later rounds rotate it). */
export const PEER_KEYS = ["reference", "echoprobe", "echoprobeNoLog", "bare", "node"] as const;
/** A peer's key. */
export type PeerKey = typeof PEER_KEYS[number];

/** A server under test. */
export interface Peer {
  key: PeerKey;
  /** Its name in RESULTS.md. */
  label: string;
  /** How it is started (it listens on 127.0.0.1, port 0, and prints one line when ready). */
  command: readonly string[];
  /** The throughput workloads it runs; every one when absent. */
  workloads?: readonly WorkloadName[];
}

/** The listen backlog of every server under test (the reference's is 4096 in its source). */
export const BACKLOG = 4096;

/** `echoprobe server` as `deno task serve` runs it, with `extra` flags. */
export function echoprobeCommand(...extra: string[]): string[] {
  return [
    Deno.execPath(),
    "run",
    "--allow-net",
    ...V8_FLAGS,
    `${ROOT}main.ts`,
    "server",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--backlog",
    String(BACKLOG),
    ...extra,
  ];
}

/** The peers of every round. */
export const PEERS: Record<PeerKey, Peer> = {
  reference: {
    key: "reference",
    label: "C reference (epoll_echo)",
    command: [`${BUILD}epoll_echo`, "0"],
  },
  echoprobe: {
    key: "echoprobe",
    label: "echoprobe (defaults, backlog 4096)",
    command: echoprobeCommand(),
  },
  // Only where a target compares logs on and off.
  echoprobeNoLog: {
    key: "echoprobeNoLog",
    label: "echoprobe --log none",
    command: echoprobeCommand("--log", "none"),
    workloads: ["conn32"],
  },
  bare: {
    key: "bare",
    label: "bare Deno record loop",
    command: [Deno.execPath(), "run", "--allow-net", `${ROOT}bench/bare_server.ts`],
  },
  node: {
    key: "node",
    label: "Node net, socket.pipe(socket)",
    command: ["node", `${ROOT}bench/node_server.mjs`],
  },
};

/**
 * The peer as the idle figure runs it: echoprobe holds at most 1,024 connections by
 * default (`--max-connections`), so there it is raised to the number held.
 */
export function idlePeer(key: PeerKey, connections: number): Peer {
  const peer = PEERS[key];
  if (key !== "echoprobe" && key !== "echoprobeNoLog") return peer;
  return {
    ...peer,
    command: [...peer.command, "--max-connections", String(connections)],
  };
}

/** The peers in round `round`'s order: the first round's list rotated by `round`. */
export function peerOrder(round: number): PeerKey[] {
  const shift = round % PEER_KEYS.length;
  return [...PEER_KEYS.slice(shift), ...PEER_KEYS.slice(0, shift)];
}

/** How long a server may take to print its ready line, or to stop. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/** A server under test, started by {@linkcode RunningServer.start}; stop it with `await using`. */
export class RunningServer implements AsyncDisposable {
  readonly peer: Peer;
  readonly pid: number;
  readonly port: number;
  readonly #child: Deno.ChildProcess;
  readonly #drained: Promise<void>;
  #exited = false;

  private constructor(peer: Peer, child: Deno.ChildProcess, port: number, drained: Promise<void>) {
    this.peer = peer;
    this.pid = child.pid;
    this.port = port;
    this.#child = child;
    this.#drained = drained;
    child.status.then(() => this.#exited = true);
  }

  /**
   * Starts `peer` on core 0 with the open-files limit `fileLimit` (prlimit and taskset
   * exec the server in place, so the child's pid is the server's), waits for its first
   * line on stdout and reads back the port it listens on. Its stderr (the logs) goes to
   * /dev/null: written, as a server's logs are, and never read; its stdout to
   * `stdoutFile` (V8's `--trace-gc` writes there) or nowhere.
   *
   * @throws {Error} When it exits or stays silent for 30 s.
   */
  static async start(
    peer: Peer,
    fileLimit: number,
    stdoutFile?: string,
  ): Promise<RunningServer> {
    const command = [
      "prlimit",
      `--nofile=${fileLimit}:${fileLimit}`,
      "taskset",
      "-c",
      "0",
      ...peer.command,
    ];
    const file = stdoutFile
      ? await Deno.open(stdoutFile, { write: true, create: true, truncate: true })
      : undefined;
    const child = new Deno.Command(command[0]!, {
      args: command.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.getReader();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`"${peer.label}" printed no line in 30 s`)),
          START_TIMEOUT_MS,
        );
      });
      let lines = 0;
      while (lines === 0) {
        const { value, done } = await Promise.race([reader.read(), timeout]);
        if (done) throw new Error(`"${command.join(" ")}" ended before it was ready`);
        await file?.write(value);
        lines += value.filter((byte) => byte === 10).length;
      }
      const port = await listeningPort(child.pid);
      // The rest of stdout: kept in `file`, or read and dropped, so that the server never
      // blocks on a full pipe.
      const drained = (async () => {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            await file?.write(value);
          }
        } finally {
          file?.close();
        }
      })().catch((error) => log(`! ${peer.label}: reading its stdout failed: ${error}`));
      return new RunningServer(peer, child, port, drained);
    } catch (error) {
      signalChild(child, "SIGKILL");
      await reader.cancel();
      await child.status;
      file?.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The server's memory and CPU time now. */
  sample(): Promise<ProcessSample> {
    return sampleProcess(this.pid);
  }

  /** How many descriptors the server has open. */
  openFiles(): Promise<number> {
    return openFiles(this.pid);
  }

  /** Stops the server: SIGINT, and SIGKILL if it is still there after 15 s. */
  async stop(): Promise<Deno.CommandStatus> {
    const stopped = this.#child.status;
    if (this.#exited) {
      log(
        `! ${this.peer.label} had exited before it was stopped: ${JSON.stringify(await stopped)}`,
      );
    }
    signalChild(this.#child, "SIGINT");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), STOP_TIMEOUT_MS);
    });
    try {
      if (await Promise.race([stopped, late]) === "late") {
        log(`! ${this.peer.label} did not stop within 15 s of SIGINT: killed`);
        signalChild(this.#child, "SIGKILL");
      }
    } finally {
      clearTimeout(timer);
    }
    await this.#drained;
    return await stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
