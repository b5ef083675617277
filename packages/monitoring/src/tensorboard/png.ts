import { encode } from 'fast-png';
import { describeValue } from '@holomind/core';
import { MonitoringError } from '../errors.js';

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
const CHANNELS_BY_COLOR_TYPE: Record<number, PngHeader['channels']> = { 0: 1, 4: 2, 2: 3, 6: 4, 3: 3 };

/** Encodes raw 8-bit pixels as a PNG with fast-png, after checking size, channels and length. */
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
  return encode({ width, height, channels, depth: 8, data });
}

/**
 * Reads a PNG's size and channels from its IHDR chunk; throws if the bytes are not a PNG.
 * Kept: fast-png has no header-only read, and its `decode` took 72 ms vs 5 µs here on an 800×600 RGBA PNG.
 */
export function readPngHeader(png: Uint8Array): PngHeader {
  const isPng =
    png.length >= 33 && SIGNATURE.every((byte, i) => png[i] === byte) && String.fromCharCode(...png.subarray(12, 16)) === 'IHDR';
  if (!isPng) {
    throw new MonitoringError(
      'INVALID_ARGUMENT',
      'Expected PNG bytes (signature 89 50 4E 47 and an IHDR chunk); or pass raw pixels { width, height, channels, data } instead.',
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
