/**
 * The few ASN.1 DER encodings an X.509 certificate needs, and PEM armour: enough to
 * write the one certificate shape of {@linkcode selfSignedCertificate}, nothing to
 * read arbitrary ones.
 *
 * @module
 */

/** Bytes over an `ArrayBuffer` of their own, as WebCrypto takes them. */
export type Bytes = Uint8Array<ArrayBuffer>;

/**
 * One DER element: a tag, its length, its content.
 *
 * @param tag The tag byte (`0x30` a SEQUENCE, `0xa0` a context tag [0], ...).
 * @param content The encoded content.
 * @returns The element.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { element } from "./der.ts";
 *
 * assert.deepEqual(element(0x04, Uint8Array.of(1, 2)), Uint8Array.of(0x04, 2, 1, 2));
 * assert.deepEqual(element(0x04, new Uint8Array(200)).subarray(0, 3), Uint8Array.of(0x04, 0x81, 200));
 * ```
 */
export function element(tag: number, content: Uint8Array): Bytes {
  const length: number[] = [];
  if (content.length < 0x80) {
    length.push(content.length);
  } else {
    for (let n = content.length; n > 0; n = Math.floor(n / 256)) length.unshift(n % 256);
    length.unshift(0x80 | length.length);
  }
  return concat(Uint8Array.of(tag, ...length), content);
}

/**
 * A SEQUENCE of elements.
 *
 * @param items The encoded elements, in order.
 * @returns The SEQUENCE.
 */
export function sequence(...items: Uint8Array[]): Bytes {
  return element(0x30, concat(...items));
}

/**
 * A SET of elements (in the order given: the certificate's SETs hold one element).
 *
 * @param items The encoded elements.
 * @returns The SET.
 */
export function set(...items: Uint8Array[]): Bytes {
  return element(0x31, concat(...items));
}

/**
 * An INTEGER from its unsigned big-endian bytes: leading zeros dropped, and one
 * added where the top bit would make it negative.
 *
 * @param bytes The magnitude, most significant byte first.
 * @returns The INTEGER.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { integer } from "./der.ts";
 *
 * assert.deepEqual(integer(Uint8Array.of(0, 0, 0x80)), Uint8Array.of(0x02, 2, 0, 0x80));
 * assert.deepEqual(integer(Uint8Array.of(2)), Uint8Array.of(0x02, 1, 2));
 * ```
 */
export function integer(bytes: Uint8Array): Bytes {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const magnitude = bytes.subarray(start);
  return element(0x02, magnitude[0]! >= 0x80 ? concat(Uint8Array.of(0), magnitude) : magnitude);
}

/**
 * An OBJECT IDENTIFIER from its dotted form.
 *
 * @param dotted `1.2.840.10045.4.3.2`.
 * @returns The OBJECT IDENTIFIER.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { objectId } from "./der.ts";
 *
 * // commonName
 * assert.deepEqual(objectId("2.5.4.3"), Uint8Array.of(0x06, 3, 0x55, 4, 3));
 * ```
 */
export function objectId(dotted: string): Bytes {
  const [first, second, ...rest] = dotted.split(".").map(Number);
  const bytes: number[] = [];
  for (const arc of [first! * 40 + second!, ...rest]) {
    const digits = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) {
      digits.unshift(0x80 | (n & 0x7f));
    }
    bytes.push(...digits);
  }
  return element(0x06, Uint8Array.from(bytes));
}

/**
 * A UTF8String.
 *
 * @param text The text.
 * @returns The UTF8String.
 */
export function utf8String(text: string): Bytes {
  return element(0x0c, new TextEncoder().encode(text));
}

/**
 * A BIT STRING of whole bytes (no unused bits).
 *
 * @param bytes The bits, eight to a byte.
 * @returns The BIT STRING.
 */
export function bitString(bytes: Uint8Array): Bytes {
  return element(0x03, concat(Uint8Array.of(0), bytes));
}

/**
 * An OCTET STRING.
 *
 * @param bytes The bytes.
 * @returns The OCTET STRING.
 */
export function octetString(bytes: Uint8Array): Bytes {
  return element(0x04, bytes);
}

/**
 * A time as X.509 wants it: UTCTime up to 2049, GeneralizedTime from 2050, to the
 * second, in UTC.
 *
 * @param date The time.
 * @returns The UTCTime or GeneralizedTime.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { time } from "./der.ts";
 *
 * const text = (der: Uint8Array) => new TextDecoder().decode(der.subarray(2));
 * assert.equal(text(time(new Date("2026-11-30T08:05:09.500Z"))), "261130080509Z");
 * assert.equal(text(time(new Date("2050-01-01T00:00:00Z"))), "20500101000000Z");
 * ```
 */
export function time(date: Date): Bytes {
  const iso = date.toISOString(); // 2026-11-30T08:05:09.500Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "") + "Z"; // 20261130080509Z
  const year = date.getUTCFullYear();
  const utc = year >= 1950 && year < 2050;
  return element(utc ? 0x17 : 0x18, new TextEncoder().encode(utc ? digits.slice(2) : digits));
}

/**
 * Bytes in PEM armour: base64 in lines of 64 between BEGIN and END lines.
 *
 * @param label `CERTIFICATE`, `PRIVATE KEY`.
 * @param der The bytes.
 * @returns The PEM text, ending in a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pem } from "./der.ts";
 *
 * assert.equal(pem("TEST", Uint8Array.of(1, 2, 3)), "-----BEGIN TEST-----\nAQID\n-----END TEST-----\n");
 * ```
 */
export function pem(label: string, der: Uint8Array): string {
  let binary = "";
  for (const byte of der) binary += String.fromCharCode(byte);
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * The bytes of each PEM block with a given label, in order.
 *
 * @param text PEM text, possibly with several blocks and other labels.
 * @param label `CERTIFICATE`, or a pattern of labels such as `(?:RSA |EC )?PRIVATE KEY`.
 * @returns The decoded blocks; none when there is no such block.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pem, pemBlocks } from "./der.ts";
 *
 * const text = pem("CERTIFICATE", Uint8Array.of(1)) + pem("PRIVATE KEY", Uint8Array.of(2));
 * assert.deepEqual(pemBlocks(text, "CERTIFICATE"), [Uint8Array.of(1)]);
 * assert.deepEqual(pemBlocks(text, "(?:EC )?PRIVATE KEY"), [Uint8Array.of(2)]);
 * ```
 */
export function pemBlocks(text: string, label: string): Bytes[] {
  const blocks: Bytes[] = [];
  const pattern = new RegExp(`-----BEGIN ${label}-----([^-]*)-----END ${label}-----`, "g");
  for (const match of text.matchAll(pattern)) {
    const binary = atob(match[1]!.replace(/\s+/g, ""));
    blocks.push(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
  }
  return blocks;
}

function concat(...parts: Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
