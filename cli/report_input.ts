/**
 * `echoprobe report`'s input: JSON lines as `echoprobe client --json` writes them,
 * split into runs. A ping run starts at a probe with `seq` 1 (or a `seq` that goes
 * back) and ends at its `"type":"summary"` object; a load run starts at its first
 * `"type":"interval"` object and ends at its `"type":"load"` object. UDP's
 * `"type":"duplicate"` and `"type":"late"` objects belong to the ping run they come in.
 * Fields and types it does not know are passed over and counted, never fatal.
 *
 * @module
 */

import { formatHostPort } from "../lib/address.ts";
import {
  countsField,
  type Json,
  newDetails,
  noteNotice,
  noteProbe,
  numberField,
  objectField,
  type RunDetails,
  stringField,
} from "./report_details.ts";
import { ProbeOrder, sortProbes } from "./report_order.ts";

/** One interval of a load run, as its `"type":"interval"` object gave it. */
export interface IntervalRow {
  /** Milliseconds from the run's start to the interval's start. */
  startMs: number;
  /** Milliseconds from the run's start to the interval's end. */
  endMs: number;
  /** Successes in the interval. */
  ok: number;
  /** Failures in the interval. */
  failed: number;
  /** Median latency, in milliseconds (`NaN` when unknown). */
  p50Ms: number;
  /** 99th percentile, in milliseconds (`NaN` when unknown). */
  p99Ms: number;
  /** Failures by code. */
  errors: Record<string, number>;
}

/** One run of the client, as read from its lines. */
export interface Run {
  /** A ping-style series (a line per probe) or a load run (intervals). */
  kind: "ping" | "load";
  /** HOST:PORT as the client showed it, or made from the probes. */
  target: string;
  /** The IP address probed, when the lines carry it. */
  address?: string | undefined;
  /** Wall-clock start, in milliseconds since the epoch (`NaN` when unknown). */
  startedAt: number;
  /** Each probe's start, in milliseconds since the run's start. */
  atMs: number[];
  /** Each probe's latency in milliseconds; `NaN` for a failure. */
  ms: number[];
  /** Each probe's failure, as an index into `codes`; -1 for a success. */
  code: number[];
  /** The failure codes met, in the order met. */
  codes: string[];
  /** The first message met for each failure code. */
  messages: Map<string, string>;
  /** A load run's intervals. */
  intervals: IntervalRow[];
  /** The closing `"type":"summary"` or `"type":"load"` object, when there was one. */
  summary?: Record<string, unknown> | undefined;
  /** Bytes per probe, when the lines tell. */
  size?: number | undefined;
  /** Whether the probes went over a kept connection (`--reuse`), when the lines tell. */
  reused?: boolean | undefined;
  /** The protocol, connect-only, addresses, phases, TLS, UDP's notices (report_details.ts). */
  details: RunDetails;
}

/** What was passed over while reading, so the page and stderr can say so. */
export interface Skipped {
  /** Lines that are not JSON. */
  notJson: number;
  /** The number of the first such line, from 1. */
  firstNotJson: number | undefined;
  /** Lines of JSON that is not an object (`[1,2]`, `null`, `3`): the report reads objects. */
  notObject: number;
  /** The number of the first such line, from 1. */
  firstNotObject: number | undefined;
  /** JSON objects of types the report does not draw, by type (`(none)` without one). */
  unknown: Record<string, number>;
  /** Objects of a known type without the fields the report needs (a probe without a time). */
  invalid: number;
}

/** The runs read from the input, and what was passed over. */
export interface ReadResult {
  /** Runs in the order they began. */
  runs: Run[];
  /** Lines read (blank lines not counted). */
  lines: number;
  /** What was passed over. */
  skipped: Skipped;
}

/**
 * Splits JSON lines into runs, one line at a time (a million lines need not be held).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunReader } from "./report_input.ts";
 *
 * const reader = new RunReader();
 * reader.push('{"type":"probe","seq":1,"timestamp":"2025-01-01T00:00:00Z","ok":true,"timeMs":1.5}');
 * reader.push('{"type":"summary","target":"10.0.0.7:3005"}');
 * const { runs } = reader.finish();
 * assert.equal(runs[0]?.target, "10.0.0.7:3005");
 * assert.deepEqual(runs[0]?.ms, [1.5]);
 * ```
 */
export class RunReader {
  readonly #runs: Run[] = [];
  readonly #skipped: Skipped = {
    notJson: 0,
    firstNotJson: undefined,
    notObject: 0,
    firstNotObject: undefined,
    unknown: {},
    invalid: 0,
  };
  #lines = 0;
  /** The run that has not ended yet. */
  #open: Run | undefined;
  /** Where the open ping run's probes end (UDP's lines come in the order decided). */
  readonly #order = new ProbeOrder();

  /**
   * Reads one line.
   *
   * @param line One line of input, without its newline.
   */
  push(line: string): void {
    if (line.trim() === "") return;
    this.#lines++;
    let object: unknown;
    try {
      object = JSON.parse(line);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      this.#skipped.notJson++;
      this.#skipped.firstNotJson ??= this.#lines;
      return;
    }
    if (typeof object !== "object" || object === null || Array.isArray(object)) {
      this.#skipped.notObject++;
      this.#skipped.firstNotObject ??= this.#lines;
      return;
    }
    const json = object as Json;
    const type = stringField(json, "type");
    switch (type) {
      case "probe":
        return this.#probe(json);
      case "summary":
      case "load":
        return this.#end(type === "summary" ? "ping" : "load", json);
      case "interval":
        return this.#interval(json);
      case "duplicate":
      case "late":
        // UDP's replies beyond a probe's first, or after its timeout: its run's.
        if (this.#open?.kind === "ping") return noteNotice(this.#open.details, type);
    }
    const name = type ?? "(none)";
    this.#skipped.unknown[name] = (this.#skipped.unknown[name] ?? 0) + 1;
  }

  /** The runs read, and what was passed over. */
  finish(): ReadResult {
    this.#close();
    return { runs: this.#runs, lines: this.#lines, skipped: this.#skipped };
  }

  #start(kind: Run["kind"]): Run {
    this.#close();
    const run: Run = {
      kind,
      target: "",
      startedAt: NaN,
      atMs: [],
      ms: [],
      code: [],
      codes: [],
      messages: new Map(),
      intervals: [],
      details: newDetails(),
    };
    this.#runs.push(run);
    this.#open = run;
    return run;
  }

  /** Ends the open run; a run without a closing object is named from its probes. */
  #close(): void {
    const run = this.#open;
    // UDP writes each probe when decided: put them back in the order they were sent.
    if (run?.details.proto === "udp" && this.#order.unordered) run.startedAt -= sortProbes(run);
    this.#order.reset();
    if (run && run.target === "") {
      const { port } = run.details;
      const host = run.details.host ?? run.address;
      run.target = host === undefined
        ? "(unknown target)"
        : port === undefined
        ? host
        : formatHostPort(host, port);
    }
    this.#open = undefined;
  }

  #probe(json: Json): void {
    const seq = numberField(json, "seq");
    const at = Date.parse(stringField(json, "timestamp") ?? "");
    const ok = json.ok;
    const ms = numberField(json, "timeMs") ?? numberField(json, "totalMs");
    if (
      seq === undefined || Number.isNaN(at) || typeof ok !== "boolean" || (ok && ms === undefined)
    ) {
      this.#skipped.invalid++;
      return;
    }
    const udp = stringField(json, "proto") === "udp";
    let run = this.#open;
    if (
      run?.kind !== "ping" || (run.details.proto === "udp") !== udp ||
      this.#order.startsRun(seq, udp)
    ) run = this.#start("ping");
    this.#order.take(seq, udp);
    if (run.atMs.length === 0) run.startedAt = at;
    this.#order.placed(at - run.startedAt);
    run.atMs.push(at - run.startedAt);
    const error = objectField(json, "error") ?? {};
    run.address ??= stringField(ok ? json : error, "address");
    noteProbe(run.details, json);
    if (typeof json.reused === "boolean") run.reused ??= json.reused;
    if (ok) {
      run.size ??= numberField(json, "bytes");
      run.ms.push(ms!);
      run.code.push(-1);
      return;
    }
    const code = stringField(error, "code") ?? "error";
    let index = run.codes.indexOf(code);
    if (index === -1) {
      index = run.codes.push(code) - 1;
      run.messages.set(code, stringField(error, "message") ?? code);
    }
    run.size ??= numberField(error, "size");
    run.ms.push(NaN);
    run.code.push(index);
  }

  #interval(json: Json): void {
    const startMs = numberField(json, "startMs");
    const endMs = numberField(json, "elapsedMs");
    if (startMs === undefined || endMs === undefined) {
      this.#skipped.invalid++;
      return;
    }
    let run = this.#open;
    if (!run || run.kind !== "load" || startMs === 0) run = this.#start("load");
    if (run.intervals.length === 0) {
      run.startedAt = Date.parse(stringField(json, "timestamp") ?? "") - startMs;
      run.target = stringField(json, "target") ?? "";
    }
    run.intervals.push({
      startMs,
      endMs,
      ok: numberField(json, "ok") ?? 0,
      failed: numberField(json, "failed") ?? 0,
      p50Ms: numberField(json, "p50Ms") ?? NaN,
      p99Ms: numberField(json, "p99Ms") ?? NaN,
      errors: countsField(json, "errors"),
    });
  }

  /** A summary or load object: it ends the open run of its kind, or stands alone. */
  #end(kind: Run["kind"], json: Json): void {
    const run = this.#open?.kind === kind ? this.#open : this.#start(kind);
    run.summary = json;
    run.target = stringField(json, "target") ?? run.target;
    run.details.proto ??= stringField(json, "proto");
    if (json.connectOnly === true) run.details.connectOnly = true;
    this.#close();
  }
}
