// Node's `net` echo server, a peer in `deno task bench`: `socket.pipe(socket)` with
// TCP_NODELAY, on 127.0.0.1 (port 0 or argv[2]), backlog 4096; prints `listening PORT`.
// A reset or a broken pipe closes that socket; any other socket error ends the process.
// SIGINT or SIGTERM exits 0, so that `--cpu-prof` can write its profile.
//
//   node bench/node_server.mjs [PORT]
import { createServer } from "node:net";
import process from "node:process";

const PEER_GONE = new Set(["ECONNRESET", "EPIPE"]);

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on("error", (error) => {
    if (!PEER_GONE.has(error.code)) throw error;
  });
  socket.pipe(socket);
});
server.listen({ host: "127.0.0.1", port: Number(process.argv[2] ?? 0), backlog: 4096 }, () => {
  // deno-lint-ignore no-console -- the ready line the harness waits for
  console.log(`listening ${server.address().port}`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
