/**
 * A small PNG reader for the browser test: 8-bit RGB or RGBA, not interlaced (what
 * Chromium's `--screenshot` writes), inflated with the platform's DecompressionStream.
 *
 * @module
 */

/** A decoded image: `channels` bytes per pixel, rows top to bottom. */
export interface Image {
  width: number;
  height: number;
  channels: 3 | 4;
  pixels: Uint8Array;
}

/** Decodes a PNG; throws on anything but 8-bit RGB(A) without interlace. */
export async function decodePng(bytes: Uint8Array): Promise<Image> {
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!signature.every((byte, i) => bytes[i] === byte)) throw new Error("Not a PNG");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0, height = 0, channels: 3 | 4 = 4;
  const data: Uint8Array[] = [];
  for (let offset = 8; offset < bytes.length;) {
    const length = view.getUint32(offset);
    const type = new TextDecoder().decode(bytes.subarray(offset + 4, offset + 8));
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      const [depth, colour, , , interlace] = body.subarray(8, 13);
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0) {
        throw new Error(`Unsupported PNG: depth ${depth}, colour type ${colour}`);
      }
      channels = colour === 2 ? 3 : 4;
    } else if (type === "IDAT") data.push(body);
    else if (type === "IEND") break;
    offset += 12 + length;
  }
  const inflated = await new Response(
    new Blob(data as BlobPart[]).stream().pipeThrough(new DecompressionStream("deflate")),
  ).bytes();
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = inflated[y * (stride + 1)]!;
    const row = inflated.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? pixels[out + x - channels]! : 0;
      const up = y > 0 ? pixels[out - stride + x]! : 0;
      const upLeft = y > 0 && x >= channels ? pixels[out - stride + x - channels]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = left;
      else if (filter === 2) predictor = up;
      else if (filter === 3) predictor = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [a, b, c] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        predictor = a <= b && a <= c ? left : b <= c ? up : upLeft;
      }
      pixels[out + x] = (row[x]! + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** How many pixels are within `tolerance` (per channel) of `[r, g, b]`. */
export function countColour(image: Image, rgb: readonly number[], tolerance = 24): number {
  let n = 0;
  for (let i = 0; i < image.pixels.length; i += image.channels) {
    if (
      Math.abs(image.pixels[i]! - rgb[0]!) <= tolerance &&
      Math.abs(image.pixels[i + 1]! - rgb[1]!) <= tolerance &&
      Math.abs(image.pixels[i + 2]! - rgb[2]!) <= tolerance
    ) n++;
  }
  return n;
}
