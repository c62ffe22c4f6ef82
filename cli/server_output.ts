/**
 * The running server's output: one queue of lines for stdout and one for stderr,
 * shared by TCP and UDP when both serve, so that their lines keep one order and
 * their dropped log lines one count.
 *
 * @module
 */

import { type LineOutput, LineQueue } from "./line_queue.ts";

/**
 * Once stopped, how long the server waits for a write to stdout or stderr that makes
 * no progress (a pipe nobody reads) before it gives the lines up: a reader that is
 * slow but reading gets every line. Nothing is added once the server has stopped, so
 * the wait is bounded.
 */
export const STOP_WRITE_STALL_MS = 1_000;

/**
 * A running server's stdout and stderr, neither of which it ever waits for while it
 * serves (see {@linkcode LineQueue}): results (ready lines, summaries) are written at
 * once, logs in batches; log lines beyond the bound are dropped and counted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServerOutput } from "./server_output.ts";
 *
 * const written: string[] = [];
 * const into = (name: string) => ({
 *   write(p: Uint8Array): Promise<number> {
 *     written.push(`${name}: ${new TextDecoder().decode(p).trimEnd()}`);
 *     return Promise.resolve(p.length);
 *   },
 * });
 * using output = new ServerOutput(into("stdout"), into("stderr"));
 * output.results.write("listening");
 * output.logs.write("closed");
 * await output.finish((logDropped) => `stopped log_dropped=${logDropped}`);
 * assert.deepEqual(written, ["stdout: listening", "stderr: closed", "stdout: stopped log_dropped=0"]);
 * ```
 */
export class ServerOutput implements Disposable {
  /** Stdout: ready lines and summaries, each written at once. */
  readonly results: LineQueue;
  /** Stderr: connection logs, snapshots, per-source summaries; batched. */
  readonly logs: LineQueue;

  /**
   * Makes the two queues.
   *
   * @param stdout Where results go.
   * @param stderr Where logs go.
   */
  constructor(stdout: LineOutput = Deno.stdout, stderr: LineOutput = Deno.stderr) {
    this.results = new LineQueue(stdout, { batchMs: 0 });
    this.logs = new LineQueue(stderr);
  }

  /** Log lines dropped so far: beyond the bound, or lost with a closed stderr. */
  get logDropped(): number {
    return this.logs.dropped;
  }

  /**
   * Writes a last line, after the log lines waiting (for `2>&1`), and waits for both
   * while the outputs take bytes (see {@linkcode STOP_WRITE_STALL_MS}).
   *
   * @param line The line, given the log lines dropped by then (those counted in it).
   * @throws What a write threw, other than its output being gone.
   */
  async finish(line: (logDropped: number) => string): Promise<void> {
    await this.logs.drain(STOP_WRITE_STALL_MS);
    this.results.write(line(this.logs.dropped));
    await this.results.drain(STOP_WRITE_STALL_MS);
  }

  /** Stops the batch timers; lines still waiting are counted as dropped. */
  [Symbol.dispose](): void {
    this.results[Symbol.dispose]();
    this.logs[Symbol.dispose]();
  }
}
