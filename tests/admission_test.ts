import assert from "node:assert/strict";
import { Admission } from "../lib/admission.ts";
import { parseCidr } from "../lib/cidr.ts";

Deno.test("Admission turns away a peer outside every allowed range", () => {
  const admission = new Admission({ allow: [parseCidr("10.0.0.0/8"), parseCidr("::1")] });
  assert.equal(admission.admit("10.1.2.3"), undefined);
  assert.equal(admission.admit("::1"), undefined);
  assert.equal(admission.admit("11.0.0.1"), "not-allowed");
  assert.equal(admission.admit("::2"), "not-allowed");
  assert.equal(admission.open, 2, "a turned-away peer is not counted");
});

Deno.test("Admission admits everyone when no range is given, up to maxConnections", () => {
  const admission = new Admission({ maxConnections: 2 });
  assert.equal(admission.admit("10.0.0.1"), undefined);
  assert.equal(admission.admit("10.0.0.2"), undefined);
  assert.equal(admission.admit("10.0.0.3"), "max-connections");
  assert.equal(admission.open, 2);
});

Deno.test("Admission's default maxConnections is 1024", () => {
  const admission = new Admission();
  for (let i = 0; i < 1024; i++) assert.equal(admission.admit("127.0.0.1"), undefined);
  assert.equal(admission.admit("127.0.0.1"), "max-connections");
});

Deno.test("Admission counts maxPerIp per address, an IPv4-mapped one as its IPv4", () => {
  const admission = new Admission({ maxPerIp: 2 });
  assert.equal(admission.admit("127.0.0.1"), undefined);
  assert.equal(admission.admit("::ffff:127.0.0.1"), undefined);
  assert.equal(admission.admit("127.0.0.1"), "max-per-ip");
  assert.equal(admission.admit("::ffff:127.0.0.1"), "max-per-ip");
  assert.equal(admission.admit("127.0.0.2"), undefined, "another address has its own count");
  assert.equal(admission.admit("::1"), undefined);
  assert.equal(admission.open, 4);
});

Deno.test("Admission checks the range first, then maxConnections, then maxPerIp", () => {
  const admission = new Admission({
    allow: [parseCidr("127.0.0.0/8")],
    maxConnections: 1,
    maxPerIp: 1,
  });
  assert.equal(admission.admit("127.0.0.1"), undefined);
  assert.equal(admission.admit("10.0.0.1"), "not-allowed");
  assert.equal(admission.admit("127.0.0.1"), "max-connections");
});

Deno.test("Admission.leave() frees the slot of maxConnections and of maxPerIp", () => {
  const admission = new Admission({ maxConnections: 2, maxPerIp: 1 });
  assert.equal(admission.admit("127.0.0.1"), undefined);
  assert.equal(admission.admit("127.0.0.1"), "max-per-ip");
  assert.equal(admission.admit("127.0.0.2"), undefined);
  assert.equal(admission.admit("127.0.0.3"), "max-connections");
  admission.leave("::ffff:127.0.0.1");
  assert.equal(admission.open, 1);
  assert.equal(admission.admit("127.0.0.1"), undefined, "the mapped form left the IPv4 slot");
  admission.leave("127.0.0.2");
  assert.equal(admission.admit("127.0.0.3"), undefined);
  assert.equal(admission.admit("127.0.0.4"), "max-connections");
});

Deno.test("Admission reads every spelling of an IPv4-mapped address as its IPv4 address", () => {
  const admission = new Admission({ maxPerIp: 2, allow: [parseCidr("::ffff:7f00:1")] });
  assert.equal(admission.admit("127.0.0.1"), undefined, "the mapped range admits its IPv4 peer");
  assert.equal(admission.admit("::FFFF:127.0.0.1"), undefined);
  assert.equal(admission.admit("::ffff:7f00:1"), "max-per-ip", "the third of one address");
  assert.equal(admission.admit("127.0.0.2"), "not-allowed");
  admission.leave("0:0:0:0:0:ffff:7f00:1");
  assert.equal(admission.admit("127.0.0.1"), undefined, "any spelling leaves the same slot");
});
