import { deflateSync } from 'node:zlib';
import { MonitoringError, describeValue } from '../errors.js';
import { crc32 } from './checksums.js';

/** Raw 8-bit pixels, row-major, `channels` interleaved: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  /** width × height × channels bytes. */
  data: Uint8Array | Uint8ClampedArray;
}

/** Width, height and channel count read from a PNG's IHDR chunk. */
export interface PngHeader {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  bitDepth: number;
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const COLOR_TYPE_BY_CHANNELS = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;
const CHANNELS_BY_COLOR_TYPE: Record<number, PngHeader['channels']> = { 0: 1, 4: 2, 2: 3, 6: 4, 3: 3 };

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** Encodes raw 8-bit pixels as a PNG (filter 0 on every row, zlib level 6). */
export function encodePng(image: RawImage): Uint8Array {
  const { width, height, channels, data } = image;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new MonitoringError(
      'INVALID_ARGUMENT',
      `PNG size ${describeValue(width)}×${describeValue(height)} must be positive integers.`,
    );
  }
  if (![1, 2, 3, 4].includes(channels)) {
    throw new MonitoringError('INVALID_ARGUMENT', `PNG channels ${describeValue(channels)} must be 1, 2, 3 or 4.`);
  }
  if (data.length !== width * height * channels) {
    throw new MonitoringError(
      'INVALID_ARGUMENT',
      `PNG data has ${data.length} bytes; ${width}×${height}×${channels} needs ${width * height * channels}.`,
    );
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8;
  header[9] = COLOR_TYPE_BY_CHANNELS[channels];
  const rowBytes = width * channels;
  const filtered = new Uint8Array((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) filtered.set(data.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  const parts = [SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(filtered)), chunk('IEND', new Uint8Array())];
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Reads a PNG's size and channels from its header; throws if the bytes are not a PNG. */
export function readPngHeader(png: Uint8Array): PngHeader {
  const isPng =
    png.length >= 33 && SIGNATURE.every((byte, i) => png[i] === byte) && String.fromCharCode(...png.subarray(12, 16)) === 'IHDR';
  if (!isPng) {
    throw new MonitoringError(
      'INVALID_ARGUMENT',
      'Expected PNG bytes (signature 89 50 4E 47 and an IHDR chunk); encode the image with encodePng first.',
    );
  }
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const colorType = png[25]!;
  return {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: png[24]!,
    channels: CHANNELS_BY_COLOR_TYPE[colorType] ?? 4,
  };
}
