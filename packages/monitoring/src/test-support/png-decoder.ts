import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';
import { expect } from 'vitest';

/** What {@link decodePng} reads back. */
export interface DecodedPixels {
  width: number;
  height: number;
  channels: number;
  /** width × height × channels bytes, row-major, filters undone. */
  pixels: Uint8Array;
}

const CHANNELS_BY_COLOR_TYPE: Record<number, number> = { 0: 1, 4: 2, 2: 3, 6: 4 };

/**
 * An 8-bit, non-interlaced PNG decoded independently of the code under test: every chunk CRC
 * checked with zlib's crc32, IDAT inflated with zlib, all five row filters undone.
 */
export function decodePng(png: Uint8Array): DecodedPixels {
  const buffer = Buffer.from(png);
  expect([...buffer.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const body = buffer.subarray(offset + 8, offset + 8 + length);
    expect(buffer.readUInt32BE(offset + 8 + length), `${type} CRC`).toBe(
      zlibCrc32(buffer.subarray(offset + 4, offset + 8 + length)),
    );
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect(body[8], 'bit depth').toBe(8);
      channels = CHANNELS_BY_COLOR_TYPE[body[9]!]!;
      expect(channels, `color type ${body[9]}`).toBeDefined();
      expect(body[12], 'interlace').toBe(0);
    }
    if (type === 'IDAT') idat.push(body);
    offset += 12 + length;
  }
  return { width, height, channels, pixels: unfilter(inflateSync(Buffer.concat(idat)), width, height, channels) };
}

/** Undoes PNG row filters 0–4 (none, sub, up, average, Paeth). */
function unfilter(raw: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    expect(filter, `filter of row ${y}`).toBeLessThanOrEqual(4);
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x]!;
      const left = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const upLeft = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const paeth = () => {
        const p = left + up - upLeft;
        const [a, b, c] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        return a <= b && a <= c ? left : b <= c ? up : upLeft;
      };
      const predictor = [0, left, up, (left + up) >> 1, paeth()][filter]!;
      pixels[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  return pixels;
}
