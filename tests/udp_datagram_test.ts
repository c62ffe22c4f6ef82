/** The UDP probe's datagram: the header's bytes on the wire, the payload after it. */
import assert from "node:assert/strict";
import {
  checkDatagramSize,
  fillDatagram,
  MAX_DATAGRAM_BYTES,
  readHeader,
  UDP_HEADER_BYTES,
  writeHeader,
} from "../lib/udp_datagram.ts";
import { fillPayload } from "../lib/payload.ts";

Deno.test("the header is magic, run, seq and send time, big-endian, in 20 bytes", () => {
  const datagram = new Uint8Array(UDP_HEADER_BYTES);
  writeHeader(datagram, { run: 0x01020304, seq: 0xa0b0c0d0, sentUs: 0x0001_0203_0405_0607 });
  assert.deepEqual(
    [...datagram],
    [
      ...[0x45, 0x50, 0x55, 0x31],
      ...[0x01, 0x02, 0x03, 0x04],
      ...[0xa0, 0xb0, 0xc0, 0xd0],
      ...[0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07],
    ],
  );
  assert.deepEqual(readHeader(datagram), {
    run: 0x01020304,
    seq: 0xa0b0c0d0,
    sentUs: 0x0001_0203_0405_0607,
  });
});

Deno.test("a send time of today's microseconds survives the round trip exactly", () => {
  const sentUs = Math.round((performance.timeOrigin + performance.now()) * 1000);
  const datagram = fillDatagram(new Uint8Array(64), { run: 1, seq: 1, sentUs }, {
    kind: "zeros",
  }, 0);
  assert.equal(readHeader(datagram)?.sentUs, sentUs);
});

Deno.test("the payload after the header is the probe's pattern for its seq", () => {
  const datagram = fillDatagram(new Uint8Array(100), { run: 5, seq: 9, sentUs: 0 }, {
    kind: "random",
  }, 42);
  const expected = fillPayload(new Uint8Array(80), { kind: "random" }, 42, 9);
  assert.deepEqual(datagram.subarray(UDP_HEADER_BYTES), expected);
  const other = fillDatagram(new Uint8Array(100), { run: 5, seq: 10, sentUs: 0 }, {
    kind: "random",
  }, 42);
  assert.notDeepEqual(other.subarray(UDP_HEADER_BYTES), expected, "another seq, other bytes");
});

Deno.test("readHeader() refuses a datagram that is too short or not ours", () => {
  const datagram = fillDatagram(new Uint8Array(20), { run: 1, seq: 1, sentUs: 0 }, {
    kind: "zeros",
  }, 0);
  assert.equal(readHeader(datagram.subarray(0, 19)), undefined);
  datagram[3] = 0x32; // "EPU2"
  assert.equal(readHeader(datagram), undefined);
});

Deno.test("checkDatagramSize() takes 20 to 65,507 bytes", () => {
  checkDatagramSize(UDP_HEADER_BYTES);
  checkDatagramSize(MAX_DATAGRAM_BYTES);
  for (const size of [19, MAX_DATAGRAM_BYTES + 1, 0]) {
    assert.throws(() => checkDatagramSize(size), { code: "invalid" });
  }
});
