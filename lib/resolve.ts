/**
 * Names to addresses: an IP literal as it is, a name through a resolver, every
 * address it gives, under a deadline and the caller's signal.
 *
 * @module
 */

import { ipFamily, parseHost } from "./address.ts";
import { ProbeError, ValueError } from "./errors.ts";
import { formatDuration } from "./units.ts";

/**
 * Turns a host name into its IP addresses, of the given family (any when undefined),
 * in the order to try them. A resolver that can stop early listens to `signal`; one
 * that cannot is abandoned when it aborts. A resolver that gives one address may
 * return it as a string.
 */
export type Resolver = (
  hostname: string,
  family: 4 | 6 | undefined,
  signal?: AbortSignal,
) => Promise<string | readonly string[]>;

/**
 * The system resolver (`getaddrinfo`: `/etc/hosts`, then DNS, as other programs do),
 * every address in the system's order of preference (RFC 6724). It cannot be
 * cancelled: a caller that stops waiting leaves the lookup to end by itself.
 *
 * @param hostname The name to resolve.
 * @param family 4 or 6 for one family only.
 * @returns The addresses the system gives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemResolver } from "./resolve.ts";
 *
 * assert.deepEqual(await systemResolver("localhost", 4), ["127.0.0.1"]);
 * ```
 */
export async function systemResolver(
  hostname: string,
  family: 4 | 6 | undefined,
): Promise<string[]> {
  // Loaded on first use: an IP literal needs no resolver, and node:dns costs start-up time.
  const { lookup } = await import("node:dns/promises");
  const answers = await lookup(hostname, {
    all: true,
    verbatim: true,
    ...(family ? { family } : {}),
  });
  return answers.map((answer) => answer.address);
}

/**
 * The family of an IP literal, or `undefined` for a name (or for text that is neither,
 * such as `999.1.1.1`).
 *
 * @param hostname A name, a dotted IPv4 address or an IPv6 literal.
 * @returns 4, 6 or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { literalFamily } from "./resolve.ts";
 *
 * assert.equal(literalFamily("10.0.0.7"), 4);
 * assert.equal(literalFamily("::1"), 6);
 * assert.equal(literalFamily("db.internal"), undefined);
 * ```
 */
export function literalFamily(hostname: string): 4 | 6 | undefined {
  return ipFamily(hostname);
}

/** Options of {@linkcode resolveAddresses}. */
export interface ResolveOptions {
  /** Keep to this address family. */
  family?: 4 | 6 | undefined;
  /**
   * Turns names into addresses.
   * @default {systemResolver}
   */
  resolver?: Resolver;
  /**
   * The probe's sequence number, for the error.
   * @default {1}
   */
  seq?: number;
  /** The port to be probed, for the error's details. */
  port?: number;
  /** How long the resolver may take: then code `resolve`, `Timeout after ... resolving`. */
  timeoutMs?: number;
  /**
   * Aborts when `timeoutMs` has passed, from a timer the caller already runs (a prober's
   * shared deadline timer).
   * @default {AbortSignal.timeout(timeoutMs)}
   */
  deadline?: AbortSignal | undefined;
  /** The caller's stop (Ctrl-C, the end of a run): resolution rejects with its reason. */
  signal?: AbortSignal | undefined;
}

/**
 * The IP addresses to connect to: an IP literal itself, or every address the
 * resolver gives for a name (of `family` only, each once, in the resolver's order).
 *
 * @param hostname A name or an IP literal.
 * @param options The family, the resolver, the deadline; see {@linkcode ResolveOptions}.
 * @returns One address or more (the first is the resolver's preferred one).
 * @throws {ProbeError} Code `resolve` when the name does not resolve (in time), is not a
 *   valid name, or a literal is of the other family.
 * @throws The reason of `options.signal` when it aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveAddresses } from "./resolve.ts";
 *
 * assert.deepEqual(await resolveAddresses("::1"), ["::1"]);
 * const resolver = () => Promise.resolve(["::1", "127.0.0.1", "::1"]);
 * assert.deepEqual(await resolveAddresses("echo.test", { resolver }), ["::1", "127.0.0.1"]);
 * await assert.rejects(resolveAddresses("::1", { family: 4 }), {
 *   code: "resolve",
 *   message: '"::1" is not an IPv4 address',
 * });
 * const never = () => new Promise<string>(() => {});
 * await assert.rejects(resolveAddresses("echo.test", { resolver: never, timeoutMs: 20 }), {
 *   code: "resolve",
 *   message: 'Timeout after 20ms resolving "echo.test"',
 * });
 * ```
 */
export async function resolveAddresses(
  hostname: string,
  options: ResolveOptions = {},
): Promise<[string, ...string[]]> {
  const { family, seq = 1, port } = options;
  const details = { seq, host: hostname, ...(port === undefined ? {} : { port }) };
  const literal = literalFamily(hostname);
  if (literal !== undefined) {
    if (family !== undefined && family !== literal) {
      throw new ProbeError("resolve", `"${hostname}" is not an IPv${family} address`, details);
    }
    return [hostname];
  }
  try {
    parseHost(hostname);
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    throw new ProbeError("resolve", error.message, details, { cause: error });
  }
  const what = family ? ` to an IPv${family} address` : "";
  let answer: string | readonly string[];
  try {
    answer = await lookUp(hostname, options);
  } catch (error) {
    options.signal?.throwIfAborted();
    if (!(error instanceof Timeout)) {
      throw new ProbeError("resolve", `Cannot resolve "${hostname}"${what}`, details, {
        cause: error,
      });
    }
    throw new ProbeError(
      "resolve",
      `Timeout after ${formatDuration(options.timeoutMs!)} resolving "${hostname}"`,
      { ...details, phase: "resolve" },
    );
  }
  const addresses = [...new Set(typeof answer === "string" ? [answer] : answer)]
    .filter((address) => {
      const found = literalFamily(address);
      return found !== undefined && (family === undefined || found === family);
    });
  const [first, ...rest] = addresses;
  if (first === undefined) {
    throw new ProbeError("resolve", `Cannot resolve "${hostname}"${what}`, details);
  }
  return [first, ...rest];
}

/** The deadline of a resolution passed. */
class Timeout extends Error {}

/**
 * The resolver's answer, or a rejection as soon as the deadline (a {@linkcode Timeout})
 * or the caller's signal (its reason) aborts: a resolver that never answers is left
 * behind, its late answer or failure ignored.
 */
function lookUp(hostname: string, options: ResolveOptions): Promise<string | readonly string[]> {
  const { family, resolver = systemResolver, timeoutMs, signal } = options;
  const deadline = options.deadline ??
    (timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs));
  const sources = [signal, deadline].filter((source) => source !== undefined);
  if (sources.length === 0) return resolver(hostname, family);
  const stop = sources.length === 1 ? sources[0]! : AbortSignal.any(sources);
  return new Promise((resolve, reject) => {
    const onAbort = () =>
      reject(signal?.aborted ? signal.reason : new Timeout(`resolving "${hostname}"`));
    if (stop.aborted) return onAbort();
    stop.addEventListener("abort", onAbort, { once: true });
    resolver(hostname, family, stop).then(resolve, reject).finally(() =>
      stop.removeEventListener("abort", onAbort)
    );
  });
}
