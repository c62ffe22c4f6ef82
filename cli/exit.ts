/**
 * Exit codes, the CLI's own errors, the permission check, and the one place that
 * turns an error into a message and an exit code.
 *
 * @module
 */

import { EchoError } from "../lib/errors.ts";
import { OutputError, writeLog } from "./output.ts";

/** Exit codes: see the README. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  cannotStart: 3,
  interrupted: 130,
} as const;

/** A user's mistake on the command line: one line naming it, exit 2. */
export class UsageError extends Error {
  /** The exit code of every usage error. */
  readonly exitCode: number = EXIT.usage;

  /** @param message One line naming the flag or argument and what is allowed. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A permission echoprobe needs was not granted: exit 3, as for any failure to start. */
export class PermissionError extends Error {
  /** The exit code of a missing permission. */
  readonly exitCode: number = EXIT.cannotStart;

  /** @param message One line naming the permission and the flag that grants it. */
  constructor(message: string) {
    super(message);
    this.name = "PermissionError";
  }
}

/**
 * The permissions echoprobe needs: the tasks and the compiled binary grant these and no
 * more (tests/compile_test.ts holds them to it). Reading a payload file asks for more
 * only when `--payload @FILE` names one.
 */
export const REQUIRED_PERMISSIONS = ["net"] as const;

/**
 * Checks at start-up that the permissions echoprobe needs were granted.
 *
 * @throws {PermissionError} Naming the flag that grants what is missing.
 */
export function checkPermissions(): void {
  for (const name of REQUIRED_PERMISSIONS) {
    if (Deno.permissions.querySync({ name }).state !== "granted") {
      throw new PermissionError(
        `Missing ${name} permission: run with --allow-${name} (deno run --allow-${name} main.ts ...)`,
      );
    }
  }
}

/**
 * Deno's unstable features echoprobe uses: `net`, for UDP (`Deno.listenDatagram`). The
 * tasks and the compiled binary turn them on (`--unstable-net`; tests/compile_test.ts
 * holds them to it); a TCP run works without them.
 */
export const REQUIRED_UNSTABLE = ["net"] as const;

/**
 * Checks that UDP can be used: Deno 2.9 has no `Deno.listenDatagram` at all (calling
 * it is a TypeError) unless it runs with `--unstable-net`.
 *
 * @throws {PermissionError} Naming the flag that turns it on.
 */
export function checkUnstableNet(): void {
  if (typeof Deno.listenDatagram !== "function") {
    throw new PermissionError(
      "UDP needs Deno's unstable network API: run with --unstable-net (deno run --allow-net --unstable-net main.ts ...)",
    );
  }
}

/**
 * The one place that turns an error into a message on stderr and an exit code.
 *
 * @param error What a subcommand threw.
 * @returns The exit code: 2 usage, 3 could not start (or write stdout), 1 anything else.
 */
export function reportError(error: unknown): number {
  if (error instanceof UsageError || error instanceof PermissionError) {
    writeLog(`echoprobe: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof OutputError) {
    // The run's environment failed, not what it checked: a script must not read it as 1.
    writeLog(`echoprobe: ${error.message}`);
    return EXIT.cannotStart;
  }
  if (error instanceof EchoError) {
    writeLog(`echoprobe: ${error.message}`);
    if (error.code === "invalid") return EXIT.usage;
    return error.code === "listen" ? EXIT.cannotStart : EXIT.failed;
  }
  if (error instanceof Deno.errors.NotCapable) {
    writeLog(`echoprobe: Missing permission: ${error.message}`);
    return EXIT.cannotStart;
  }
  writeLog(`echoprobe: Unexpected error: ${error instanceof Error ? error.message : error}`);
  return EXIT.failed;
}
