import assert from "node:assert/strict";
import {
  listeningPort,
  openFiles,
  parseListeningPort,
  parseProcess,
  sampleProcess,
  waitUntil,
} from "../bench/system.ts";

const STATUS = "Name:\tdeno\nVmHWM:\t   81234 kB\nVmRSS:\t   40960 kB\nThreads:\t7\n";
// The command name holds a space and a parenthesis: the fields count from the last ")".
const STAT = "4242 (my (server) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0 1\n";

Deno.test("parseProcess() reads VmRSS, VmHWM and user plus system CPU time", () => {
  assert.deepEqual(parseProcess(STATUS, STAT, 100), {
    rssKiB: 40960,
    peakKiB: 81234,
    cpuSeconds: 3,
  });
  assert.throws(() => parseProcess("Name:\tdeno\n", STAT, 100), {
    message: 'No "VmRSS" in /proc/PID/status',
  });
});

Deno.test("parseListeningPort() finds the process's own socket in LISTEN state", () => {
  const tables = [
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1",
    "   1: 0100007F:A0F2 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1",
    "   2: 0100007F:A0F2 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 333 1",
  ].join("\n");
  assert.equal(parseListeningPort("socket:[333]\nsocket:[222]\n", tables), 0xa0f2);
  assert.equal(parseListeningPort("socket:[333]\n", tables), undefined);
});

Deno.test("listeningPort(), openFiles() and sampleProcess() read another process's state", async () => {
  // A child Deno process with a listener on port 0, which prints the port it got.
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "const l = Deno.listen({ hostname: '127.0.0.1', port: 0 }); console.log(l.addr.port); setInterval(() => {}, 1000);",
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  try {
    const { value } = await reader.read();
    const printed = Number(new TextDecoder().decode(value).trim());
    assert.equal(await listeningPort(child.pid), printed);
    const files = await openFiles(child.pid);
    using _conn = await Deno.connect({ hostname: "127.0.0.1", port: printed });
    // The child never accepts, but the kernel queues the connection: no new descriptor.
    assert.equal(await openFiles(child.pid), files);
    const sample = await sampleProcess(child.pid);
    assert.ok(sample.rssKiB > 1000, `RSS ${sample.rssKiB} KiB`);
    assert.ok(sample.peakKiB >= sample.rssKiB);
    assert.ok(sample.cpuSeconds >= 0);
  } finally {
    child.kill("SIGKILL");
    await reader.cancel();
    await child.status;
  }
});

Deno.test("waitUntil() gives up after its time, naming what it waited for", async () => {
  await assert.rejects(() => waitUntil("a sign", () => Promise.resolve(false), 150, 50), {
    message: "Timed out after 0.15 s waiting for a sign",
  });
  let asked = 0;
  await waitUntil("the third ask", () => Promise.resolve(++asked === 3), 5_000, 1);
  assert.equal(asked, 3);
});
