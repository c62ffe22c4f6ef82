/**
 * Failed accepts, summarised: a flood of peers that connect and reset at once makes
 * one line per kind of failure per second, not one per peer.
 *
 * @module
 */

/** Failures of one kind since its last line. */
interface Window {
  error: Error;
  count: number;
  timer: ReturnType<typeof setTimeout>;
}

/** The kind of a failure: the same OS error is the same kind. */
function kindOf(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return `${error.name}:${typeof code === "string" ? code : ""}`;
}

/**
 * Writes the first failure of a kind at once, then at most one line per kind per
 * `windowMs`, with the number of failures it stands for. A kind quiet for a whole
 * window starts over (its next failure is written at once).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AcceptErrorLog } from "./accept_errors.ts";
 *
 * const lines: string[] = [];
 * using log = new AcceptErrorLog((error, count) => lines.push(`${count} ${error.message}`));
 * for (let i = 0; i < 1000; i++) log.record(new Deno.errors.NotConnected("Not connected"));
 * assert.deepEqual(lines, ["1 Not connected"]); // the first one, at once
 * log.flush();
 * assert.deepEqual(lines, ["1 Not connected", "999 Not connected"]);
 * ```
 */
export class AcceptErrorLog implements Disposable {
  readonly #write: (error: Error, count: number) => void;
  readonly #windowMs: number;
  readonly #windows = new Map<string, Window>();

  /**
   * Makes an empty log.
   *
   * @param write Writes one line: the latest failure of a kind and how many it stands for.
   * @param windowMs At most one line per kind this often.
   */
  constructor(write: (error: Error, count: number) => void, windowMs = 1_000) {
    this.#write = write;
    this.#windowMs = windowMs;
  }

  /**
   * Counts a failure; writes it at once if it is the first of its kind in a window.
   *
   * @param error What the accept threw.
   */
  record(error: Error): void {
    const kind = kindOf(error);
    const window = this.#windows.get(kind);
    if (window) {
      window.error = error;
      window.count++;
      return;
    }
    this.#write(error, 1);
    this.#windows.set(kind, { error, count: 0, timer: this.#timer(kind) });
  }

  /** Writes the counts not written yet and stops the timers. */
  flush(): void {
    for (const window of this.#windows.values()) {
      clearTimeout(window.timer);
      if (window.count > 0) this.#write(window.error, window.count);
    }
    this.#windows.clear();
  }

  [Symbol.dispose](): void {
    this.flush();
  }

  #timer(kind: string): ReturnType<typeof setTimeout> {
    return setTimeout(() => {
      const window = this.#windows.get(kind)!;
      if (window.count === 0) {
        this.#windows.delete(kind);
        return;
      }
      this.#write(window.error, window.count);
      window.count = 0;
      window.timer = this.#timer(kind);
    }, this.#windowMs);
  }
}
