/**
 * `echoprobe <server|client|report|exporter|completions|help|version>`: picks the subcommand,
 * sets the exit code.
 *
 * @module
 */

import denoJson from "./deno.json" with { type: "json" };
import { EXIT, reportError, UsageError } from "./cli/exit.ts";
import { writesPending } from "./cli/line_queue.ts";
import { writeLog, writeText } from "./cli/output.ts";

const HELP = `echoprobe ${denoJson.version}: an echo server (TCP/TLS/UDP) and a probe that checks it

Usage:
  echoprobe server [flags]            run an echo server (default port 3005)
  echoprobe client [flags] HOST[:PORT] probe an echo server, or any TCP service (--connect-only)
  echoprobe report [flags] < LINES    client --json lines in, one HTML page out
  echoprobe exporter [flags]          probe echo servers for Prometheus (default port 3006)
  echoprobe completions bash|zsh|fish print a shell completion script
  echoprobe help | --help             show this help
  echoprobe version | --version       show the version

"echoprobe server --help", "echoprobe client --help", "echoprobe report --help" and
"echoprobe exporter --help" list each one's flags.

Exit codes: 0 ok, 1 a check failed, 2 usage error, 3 could not start, 130 interrupted
`;

/**
 * Runs echoprobe with the given arguments.
 *
 * @param args The command line, without the program.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      // Each subcommand loads only its own modules: a one-shot probe starts faster. Each
      // checks the permissions it needs once its flags are read (--help needs none).
      // The specifiers are literals, so `deno compile` sees and embeds every one.
      case "server":
        return await (await import("./server.ts")).serverCommand(rest);
      case "client":
        return await (await import("./client.ts")).clientCommand(rest);
      case "report":
        // Standard input and output only: no permission to check.
        return await (await import("./report.ts")).reportCommand(rest);
      case "exporter":
        return await (await import("./exporter.ts")).exporterCommand(rest);
      case "completions":
        return (await import("./cli/completions.ts")).completionsCommand(rest);
      case "help":
      case "--help":
      case "-h":
        writeText(HELP);
        return EXIT.ok;
      case "version":
      case "--version":
      case "-V":
        writeText(
          `echoprobe ${denoJson.version} (deno ${Deno.version.deno}, ${Deno.build.target})\n`,
        );
        return EXIT.ok;
      case undefined:
        writeLog(HELP.trimEnd());
        return EXIT.usage;
      default:
        throw new UsageError(
          `Unknown command "${command}": expected server, client, report, exporter, completions, help or version`,
        );
    }
  } catch (error) {
    return reportError(error);
  }
}

if (import.meta.main) {
  const code = await main(Deno.args);
  // A server's write to a stdout or stderr that nobody reads never ends and would
  // keep the process alive (cli/line_queue.ts): the lines are given up, so go.
  if (writesPending()) Deno.exit(code);
  Deno.exitCode = code;
}
