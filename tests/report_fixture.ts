/**
 * Made-up `echoprobe client --json` lines for the report's tests and its size and
 * speed measurement (bench/report_lines.ts): a ping run with a latency pattern, a
 * spike, a burst of timeouts and scattered refusals, in the client's JSON format.
 *
 * @module
 */

/** What {@linkcode pingRunLines} makes. */
export interface PingRunOptions {
  /** Probes. */
  count: number;
  /** Milliseconds between probe starts. */
  intervalMs?: number;
  /** Wall-clock start. */
  start?: Date;
  /** HOST:PORT. */
  target?: string;
  /** Seed of the made-up latencies. */
  seed?: number;
  /** Add the closing summary object. */
  summary?: boolean;
}

/** A small seeded generator (mulberry32): the same lines for the same seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Whether probe `seq` of `count` is in the burst of timeouts (the 6th tenth of the run). */
export function inTimeoutBurst(seq: number, count: number): boolean {
  return seq > count * 0.5 && seq <= count * 0.53;
}

/** Whether probe `seq` is one of the scattered refusals (every 97th). */
export function isRefused(seq: number, count: number): boolean {
  return !inTimeoutBurst(seq, count) && seq % 97 === 0;
}

/**
 * Yields the JSON lines of one ping run, one at a time (a million need not be held).
 *
 * @returns Lines without newlines: probes, then the summary when asked.
 */
export function* pingRunLines(options: PingRunOptions): Generator<string> {
  const { count, intervalMs = 100, seed = 1, summary = true } = options;
  const start = options.start ?? new Date("2025-06-01T12:00:00Z");
  const [host, port] = (options.target ?? "198.51.100.7:3005").split(":") as [string, string];
  const next = random(seed);
  const errors: Record<string, number> = {};
  let received = 0;
  for (let seq = 1; seq <= count; seq++) {
    const timestamp = new Date(start.getTime() + (seq - 1) * intervalMs).toISOString();
    const code = inTimeoutBurst(seq, count) ? "timeout" : isRefused(seq, count) ? "refused" : "";
    if (code) {
      errors[code] = (errors[code] ?? 0) + 1;
      const message = code === "timeout"
        ? "Timeout after 1s waiting for echo (0/250 bytes back)"
        : "Connection refused";
      yield JSON.stringify({
        type: "probe",
        seq,
        timestamp,
        ok: false,
        error: { code, message, ...(code === "timeout" ? { bytesBack: 0, size: 250 } : {}) },
      });
      continue;
    }
    received++;
    // A body near 0.4 ms with a long tail, and a slow stretch in the run's third tenth.
    const slow = seq > count * 0.2 && seq <= count * 0.3 ? 4 : 1;
    const timeMs = Math.round((0.3 + 0.1 * Math.log(1 - next()) ** 2) * slow * 1000) / 1000;
    yield JSON.stringify({
      type: "probe",
      seq,
      timestamp,
      ok: true,
      host,
      address: host,
      port: Number(port),
      local: `192.0.2.1:${40000 + (seq % 20000)}`,
      bytes: 250,
      reused: false,
      resolveMs: 0,
      connectMs: Math.round(timeMs * 400) / 1000,
      firstByteMs: Math.round(timeMs * 500) / 1000,
      echoMs: Math.round(timeMs * 600) / 1000,
      timeMs,
      totalMs: timeMs,
    });
  }
  if (summary) {
    yield JSON.stringify({
      type: "summary",
      target: `${host}:${port}`,
      transmitted: count,
      received,
      lossPct: (100 * (count - received)) / count,
      drops: 0,
      errors,
      durationMs: count * intervalMs,
      seed,
    });
  }
}
