/**
 * The bare Deno record loop: the runtime's ceiling for echoprobe's work, a peer in
 * `deno task bench`. Everything echoprobe adds (a deadline, limits, logs, statistics,
 * adaptive buffers, a graceful stop) is left out on purpose.
 *
 * What it does, exactly: listen on 127.0.0.1 (port 0 or `Deno.args[0]`, backlog 4096)
 * and print `listening PORT`. Per connection: set TCP_NODELAY, allocate one 250-byte
 * buffer, then loop: read until exactly 250 bytes are in (one read when the record
 * arrived whole), write them back (all of them, however many writes that takes),
 * repeat. At end of stream it writes back the partial record it holds, if any, and
 * closes. No timeout, no logs, no batching: one record per read, as in the row of
 * issue 16 that set the targets (batching records per read is what a stream needs;
 * on ping-pong and new connections, where the targets compare against this loop, a
 * record never has company). A reset or a broken pipe closes the connection; any
 * other error ends the process, loudly. SIGINT or SIGTERM exits 0, so that
 * `--cpu-prof` can write its profile.
 *
 * `deno run --allow-net bench/bare_server.ts [PORT]`
 *
 * @module
 */

const RECORD_SIZE = 250;

async function echoRecords(conn: Deno.TcpConn): Promise<void> {
  conn.setNoDelay(true);
  const record = new Uint8Array(RECORD_SIZE);
  try {
    for (;;) {
      let filled = 0;
      while (filled < RECORD_SIZE) {
        const n = await conn.read(filled === 0 ? record : record.subarray(filled));
        if (n === null) break;
        filled += n;
      }
      let written = 0;
      while (written < filled) {
        written += await conn.write(
          filled === RECORD_SIZE && written === 0 ? record : record.subarray(written, filled),
        );
      }
      if (filled < RECORD_SIZE) return;
    }
  } catch (error) {
    if (
      !(error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe)
    ) throw error;
  } finally {
    conn.close();
  }
}

if (import.meta.main) {
  const listener = Deno.listen({
    hostname: "127.0.0.1",
    port: Number(Deno.args[0] ?? 0),
    tcpBacklog: 4096,
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => Deno.exit(0));
  }
  // deno-lint-ignore no-console -- the ready line the harness waits for
  console.log(`listening ${listener.addr.port}`);
  for await (const conn of listener) echoRecords(conn);
}
