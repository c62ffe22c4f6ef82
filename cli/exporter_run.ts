/**
 * Carries out an exporter plan: serves HTTP until a signal, writes the ready line
 * and the summary.
 *
 * @module
 */

import type { ExporterPlan } from "../exporter.ts";
import { EXPORTER_DEFAULTS } from "../lib/defaults.ts";
import { listenError } from "../lib/listen.ts";
import { EXIT } from "./exit.ts";
import { ExporterHandler } from "./exporter_handler.ts";
import { formatExporterListening, formatExporterSummary } from "./exporter_lines.ts";
import { writeLog, writeResult } from "./output.ts";
import { onSignals } from "./signals.ts";
import { withCaFile } from "./tls_files.ts";

/**
 * Serves the exporter until SIGINT, SIGTERM or SIGHUP: then running probe series stop,
 * the answers in progress are sent, and it exits 0.
 *
 * @param plan What `parseExporterArgs()` made of the arguments.
 * @returns The exit code: 0 after a stop by signal.
 * @throws {EchoError} Code `listen` when it cannot bind; {@linkcode UsageError} when
 *   `--ca` cannot be read or holds no certificate the runtime takes; {@linkcode OutputError}
 *   when stdout cannot take the ready line.
 */
export async function runExporter(plan: ExporterPlan): Promise<number> {
  const { hostname, port } = plan.listen ?? EXPORTER_DEFAULTS;
  const stopping = new AbortController();
  const handler = new ExporterHandler({
    maxConcurrent: plan.maxConcurrent ?? EXPORTER_DEFAULTS.maxConcurrent,
    timeoutOffsetMs: plan.timeoutOffsetMs ?? EXPORTER_DEFAULTS.timeoutOffsetMs,
    stopping: stopping.signal,
    // Read once, before the ready line: a file a scrape named would be read per request,
    // by whoever can reach the exporter (cli/tls_files.ts says why standard input).
    ...(plan.caFile === undefined ? {} : { caCerts: (await withCaFile(plan.caFile, {})).caCerts }),
  });
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname,
      port,
      onListen: () => {}, // the ready line below says it, on stdout
      onError: (error) => {
        writeLog(`echoprobe exporter: Unexpected error: ${(error as Error).message ?? error}`);
        return new Response("Internal error\n", { status: 500 });
      },
    }, handler.handle);
  } catch (error) {
    throw listenError(hostname, port, error);
  }
  {
    const stop = () => {
      stopping.abort();
      server.shutdown();
    };
    // Listening for the signals before the ready line: a script that stops the
    // exporter as soon as the line appears gets the graceful stop, not the default end.
    // SIGHUP (a closed terminal) stops it as SIGTERM does, as it stops the server.
    using _signals = onSignals(["SIGINT", "SIGTERM", "SIGHUP"], stop);
    try {
      writeResult(formatExporterListening(server.addr, plan.json));
    } catch (error) {
      // Stdout failed (a full disk): no ready line, so no exporter left serving either.
      stop();
      await server.finished;
      throw error;
    }
    await server.finished;
  }
  writeResult(formatExporterSummary(handler.counts, plan.json));
  return EXIT.ok;
}
