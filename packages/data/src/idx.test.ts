import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeIdx, loadIdxDataset, readIdx, readIdxImages, readIdxLabels } from './index.js';
import { classCounts } from './split.js';
import {
  caught,
  fashionMnistDirectory,
  fashionMnistMissing,
  largestTypedArrayAllocation,
  scratchFolder,
} from '../test/support.js';

const missing = fashionMnistMissing();
const scratch = scratchFolder('idx');

// GNU gzip as the independent decoder of the real files.
const gunzipWithGzip = (file: string): Buffer => execFileSync('gzip', ['-dc', file], { maxBuffer: 64 * 1024 * 1024 });
const fashion = (name: string) => `${fashionMnistDirectory}/${name}`;

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(scratch, name);
  writeFileSync(file, bytes);
  return file;
}

/** An IDX file written the documented way: 00 00 type rank, big-endian dims, big-endian elements. */
function encodeIdx(
  typeCode: number,
  dims: number[],
  values: number[],
  elementBytes: number,
  writeElement: (view: DataView, offset: number, value: number) => void,
): Uint8Array {
  const header = 4 + 4 * dims.length;
  const bytes = new Uint8Array(header + values.length * elementBytes);
  const view = new DataView(bytes.buffer);
  bytes[2] = typeCode;
  bytes[3] = dims.length;
  dims.forEach((dimension, axis) => view.setUint32(4 + 4 * axis, dimension, false));
  values.forEach((value, i) => writeElement(view, header + i * elementBytes, value));
  return bytes;
}
const uint8Idx = (dims: number[], values: number[]) =>
  encodeIdx(0x08, dims, values, 1, (view, offset, value) => view.setUint8(offset, value));

describe.skipIf(missing)('loadIdxDataset on the real Fashion-MNIST files', () => {
  it('has 60,000 + 10,000 images of 28x28, 10 balanced classes, pixels equal to gzip -dc bytes / 255', async () => {
    const dataset = await loadIdxDataset(fashionMnistDirectory, { kind: 'fashion-mnist' });
    expect(dataset).toMatchObject({ name: 'fashion-mnist', numClasses: 10, imageShape: [28, 28] });
    expect(dataset.classNames[9]).toBe('Ankle boot');
    for (const [split, prefix, count] of [
      [dataset.train, 'train', 60_000],
      [dataset.test, 't10k', 10_000],
    ] as const) {
      expect(split.labels.length).toBe(count);
      expect(split.featureShape).toEqual([784]);
      expect(split.images).toBe(split.features);
      expect(split.features.length).toBe(count * 784);
      // Fashion-MNIST is exactly balanced: 6,000 / 1,000 images per class.
      expect(classCounts(split.labels, 10)).toEqual(new Array(10).fill(count / 10));

      const rawImages = gunzipWithGzip(fashion(`${prefix}-images-idx3-ubyte.gz`));
      const rawLabels = gunzipWithGzip(fashion(`${prefix}-labels-idx1-ubyte.gz`));
      expect(rawImages.readUInt32BE(0)).toBe(0x803);
      expect(rawImages.readUInt32BE(4)).toBe(count);
      let worst = 0;
      for (let i = 0; i < split.features.length; i++)
        worst = Math.max(worst, Math.abs(split.features[i]! * 255 - rawImages[16 + i]!));
      expect(worst).toBeLessThan(1e-4);
      expect(Array.from(split.labels)).toEqual(Array.from(rawLabels.subarray(8)));
    }
  });

  it('reads the raw (uncompressed) file to the same floats as the gzip file', async () => {
    const raw = write('t10k-images-idx3-ubyte', gunzipWithGzip(fashion('t10k-images-idx3-ubyte.gz')));
    const [fromRaw, fromGzip] = await Promise.all([readIdxImages(raw), readIdxImages(fashion('t10k-images-idx3-ubyte.gz'))]);
    expect({ count: fromRaw.count, rows: fromRaw.rows, cols: fromRaw.cols }).toEqual({ count: 10_000, rows: 28, cols: 28 });
    expect(Buffer.from(fromRaw.images.buffer).equals(Buffer.from(fromGzip.images.buffer))).toBe(true);
  });

  it('reads any IDX file generically with readIdx', async () => {
    const labels = await readIdx(fashion('t10k-labels-idx1-ubyte.gz'));
    expect(labels.dataType).toBe('uint8');
    expect(labels.dims).toEqual([10_000]);
    expect(Array.from(labels.data)).toEqual(Array.from(gunzipWithGzip(fashion('t10k-labels-idx1-ubyte.gz')).subarray(8)));
  });

  it('names the file and the decompressed offset where a truncated gzip file stops', async () => {
    const compressed = readFileSync(fashion('train-labels-idx1-ubyte.gz'));
    const truncated = write('cut-labels-idx1-ubyte.gz', compressed.subarray(0, compressed.length >> 1));
    // zlib's own count of what the cut stream still yields, with the decoder's stream left open.
    const recoverable = zlib.gunzipSync(readFileSync(truncated), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).length;
    const error = await caught(() => readIdxLabels(truncated));
    expect(error.code).toBe('IDX_TRUNCATED');
    expect(error.file).toBe(truncated);
    expect(error.offset).toBe(recoverable);
    expect(error.offset).toBeGreaterThan(8);
    expect(error.offset).toBeLessThan(60_008);
    expect(error.message).toContain(truncated);
    expect(error.message).toContain(`byte offset ${recoverable}`);
  });
});

describe('IDX readers on corrupt or wrong input', () => {
  const labels = Array.from({ length: 200 }, (_, i) => i % 10);

  it('rejects a bad magic number with the file and offset 0, gzip or raw', async () => {
    const bytes = uint8Idx([200], labels);
    bytes[0] = 0x01;
    const raw = write('bad-magic-labels', bytes);
    const gzipped = write('bad-magic-labels.gz', zlib.gzipSync(bytes));
    for (const file of [raw, gzipped]) {
      const error = await caught(() => readIdxLabels(file));
      expect(error).toMatchObject({ code: 'IDX_BAD_MAGIC', file, offset: 0 });
      expect(error.message).toContain(file);
      expect(error.message).toContain("'01 00 08 01'");
    }
  });

  it('rejects an unknown element type at offset 2 and a zero rank at offset 3', async () => {
    const badType = uint8Idx([200], labels);
    badType[2] = 0x07;
    expect(await caught(() => readIdxLabels(write('bad-type', badType)))).toMatchObject({ code: 'IDX_BAD_MAGIC', offset: 2 });
    expect(() => decodeIdx(new Uint8Array([0, 0, 8, 0]), 'rank0')).toThrow(
      expect.objectContaining({ code: 'IDX_BAD_MAGIC', offset: 3, file: 'rank0' }),
    );
  });

  it('tells gzip bytes apart from a bad magic number when decoding bytes directly', () => {
    expect(() => decodeIdx(zlib.gzipSync(uint8Idx([2], [0, 1])), 'x.gz')).toThrow(/gzip-compressed: read the file with readIdx/);
  });

  it('reports a truncated raw file at the byte where it ends, before allocating', async () => {
    const full = uint8Idx([10, 28, 28], new Array(10 * 784).fill(7));
    const file = write('cut-images', full.subarray(0, 16 + 784 * 4 + 100));
    const error = await caught(() => readIdxImages(file));
    expect(error).toMatchObject({ code: 'IDX_TRUNCATED', file, offset: 16 + 784 * 4 + 100 });
    expect(error.message).toContain('uint8 [10, 28, 28]');
  });

  it('reports a file that ends inside the header', async () => {
    const file = write('header-only', new Uint8Array([0, 0, 8, 3, 0, 0]));
    expect(await caught(() => readIdxImages(file))).toMatchObject({ code: 'IDX_TRUNCATED', file, offset: 6 });
  });

  it('reports bytes after the announced data at the offset where the data should end', async () => {
    const bytes = uint8Idx([200], labels);
    const file = write('trailing-labels.gz', zlib.gzipSync(Buffer.concat([bytes, Buffer.from([1, 2, 3])])));
    expect(await caught(() => readIdxLabels(file))).toMatchObject({ code: 'IDX_TRAILING_BYTES', file, offset: 208 });
  });

  it('rejects a label outside [0, numClasses) with its sample index and byte offset', async () => {
    const bad = [...labels];
    bad[123] = 12;
    const file = write('out-of-range-labels', uint8Idx([200], bad));
    const error = await caught(() => readIdxLabels(file, { numClasses: 10 }));
    expect(error).toMatchObject({ code: 'LABEL_OUT_OF_RANGE', file, sampleIndex: 123, offset: 8 + 123 });
    expect(error.message).toContain('is 12, outside [0, 10)');
  });

  it('rejects a label file given as images, naming the layout found', async () => {
    const file = write('labels-as-images', uint8Idx([200], labels));
    const error = await caught(() => readIdxImages(file));
    expect(error).toMatchObject({ code: 'IDX_UNSUPPORTED', file, offset: 3 });
    expect(error.message).toContain('uint8 [200]');
  });

  it('rejects corrupt gzip data', async () => {
    const compressed = zlib.gzipSync(uint8Idx([200], labels));
    const crcByte = compressed.length - 6; // inside the CRC-32 trailer
    compressed[crcByte] = compressed[crcByte]! ^ 0xff;
    const file = write('bad-crc.gz', compressed);
    expect(await caught(() => readIdxLabels(file))).toMatchObject({ code: 'GZIP_CORRUPT', file });
  });

  it('names the missing file, and the names it looked for in a folder', async () => {
    const file = path.join(scratch, 'nope-idx1-ubyte');
    expect(await caught(() => readIdxLabels(file))).toMatchObject({ code: 'FILE_NOT_FOUND', file });
    const error = await caught(() => loadIdxDataset(scratch, { kind: 'mnist' }));
    expect(error.code).toBe('FILE_NOT_FOUND');
    expect(error.message).toContain('train-images-idx3-ubyte.gz');
  });

  it('rejects image and label files of different lengths, naming both', async () => {
    const folder = mkdtempSync(path.join(scratch, 'mismatch-'));
    const image = (count: number) => uint8Idx([count, 2, 2], new Array(count * 4).fill(255));
    writeFileSync(path.join(folder, 'train-images-idx3-ubyte'), image(5));
    writeFileSync(path.join(folder, 'train-labels-idx1-ubyte'), uint8Idx([4], [0, 1, 2, 3]));
    writeFileSync(path.join(folder, 't10k-images-idx3-ubyte'), image(2));
    writeFileSync(path.join(folder, 't10k-labels-idx1-ubyte'), uint8Idx([2], [0, 1]));
    const error = await caught(() => loadIdxDataset(folder, { kind: 'mnist' }));
    expect(error.code).toBe('LENGTH_MISMATCH');
    expect(error.message).toMatch(/train-images-idx3-ubyte holds 5 images but .*train-labels-idx1-ubyte holds 4 labels/);
  });
});

describe('decodeIdx element types', () => {
  it('decodes big-endian int16, int32, float32 and float64 to native typed arrays', () => {
    const values = [-3, 0, 1, 300, -32000];
    const cases = [
      [0x0b, 2, (v: DataView, o: number, x: number) => v.setInt16(o, x, false), 'int16'],
      [0x0c, 4, (v: DataView, o: number, x: number) => v.setInt32(o, x * 1000, false), 'int32'],
      [0x0d, 4, (v: DataView, o: number, x: number) => v.setFloat32(o, x / 8, false), 'float32'],
      [0x0e, 8, (v: DataView, o: number, x: number) => v.setFloat64(o, x / 3, false), 'float64'],
    ] as const;
    const expected = {
      int16: values,
      int32: values.map((x) => x * 1000),
      float32: values.map((x) => x / 8),
      float64: values.map((x) => x / 3),
    };
    for (const [code, bytes, writeElement, type] of cases) {
      const decoded = decodeIdx(encodeIdx(code, [5, 1], values, bytes, writeElement));
      expect(decoded.dataType).toBe(type);
      expect(decoded.dims).toEqual([5, 1]);
      expect(Array.from(decoded.data)).toEqual(expected[type]);
    }
  });
});

describe('IdxDecoder fed in uneven chunks', () => {
  it('parses a header split across chunks and converts unaligned chunks exactly', async () => {
    const { IdxDecoder, bytesToUnitFloats } = await import('./idx.js');
    const pixels = Array.from({ length: 7 * 5 * 3 }, (_, i) => (i * 37) % 256);
    const bytes = uint8Idx([7, 5, 3], pixels);
    let images = new Float32Array(0);
    const decoder = new IdxDecoder('chunks', (header) => {
      images = new Float32Array(header.dataBytes);
      return (chunk, offset) => bytesToUnitFloats(chunk, images, offset);
    });
    // Chunk sizes 1, 2, 3, ...: the header arrives over five pushes, data chunks start at odd offsets.
    for (let start = 0, size = 1; start < bytes.length; start += size, size++) decoder.push(bytes.subarray(start, start + size));
    expect(decoder.end().dims).toEqual([7, 5, 3]);
    expect(Array.from(images)).toEqual(pixels.map((value) => Math.fround(value / 255)));
  });
});

describe('IDX readers with bounded memory (finding 12)', () => {
  /** The header alone, gzip-compressed: 27-40 bytes claiming a huge array. */
  const headerOnlyGzip = (typeCode: number, dims: number[]) => zlib.gzipSync(encodeIdx(typeCode, dims, [], 1, () => {}));

  it('reports a 40-byte gzip file whose header claims gigabytes as IDX_TRUNCATED without allocating them', async () => {
    const claims: Array<[number, number[], (file: string) => Promise<unknown>]> = [
      [0x08, [60_000, 28_000, 28], readIdxImages], // 47 GB of images
      [0x08, [2_000_000_000], readIdxLabels],
      [0x0e, [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], readIdx], // beyond 2^53 bytes
      [0x0d, [1 << 20, 1 << 10], readIdx], // 4 GiB of float32
    ];
    for (const [typeCode, dims, read] of claims) {
      const compressed = headerOnlyGzip(typeCode, dims);
      expect(compressed.length).toBeLessThanOrEqual(40);
      const file = write(`huge-claim-${dims.join('x')}.gz`, compressed);
      const run = await largestTypedArrayAllocation(() => read(file));
      expect(run.error).toMatchObject({ code: 'IDX_TRUNCATED', file });
      expect((run.error as Error).message).toContain(`a gzip file of ${compressed.length} bytes inflates to at most`);
      expect(run.largestBytes).toBeLessThan(64 * 1024);
    }
  });

  it('reserves gzip data as it arrives when the file is long enough for the claim, and ends in IDX_TRUNCATED', async () => {
    // 300 KB of incompressible data, a header claiming 200 MB: within deflate's 1032:1 bound.
    const data = Array.from(randomBytes(300_000));
    const idx = uint8Idx([200, 1000, 1000], data);
    const file = write('short-images-idx3-ubyte.gz', zlib.gzipSync(idx, { level: 0 }));
    const run = await largestTypedArrayAllocation(() => readIdxImages(file));
    expect(run.error).toMatchObject({ code: 'IDX_TRUNCATED', file, offset: idx.length });
    // Float32 output: at most 4 bytes per pixel of max(1 MiB, 4x the compressed size, 2x what arrived).
    expect(run.largestBytes).toBeLessThanOrEqual(4 * 4 * 1_300_000);
  });

  it('reports a header announcing more than 2 GiB of data in a file that could hold it as IDX_TOO_LARGE', async () => {
    const idx = uint8Idx([40_000, 256, 256], Array.from(randomBytes(2_600_000))); // 2.6 GB claimed
    const file = write('too-large-idx3-ubyte.gz', zlib.gzipSync(idx, { level: 0 }));
    const run = await largestTypedArrayAllocation(() => readIdx(file));
    expect(run.error).toMatchObject({ code: 'IDX_TOO_LARGE', file });
    expect((run.error as Error).message).toContain('uint8 [40000, 256, 256]');
    expect(run.largestBytes).toBeLessThan(64 * 1024);
  });

  it('still reads a complete gzip file exactly when its trailer does not confirm the size', async () => {
    const values = Array.from({ length: 3000 }, (_, i) => (i * 7) % 256);
    const single = zlib.gzipSync(uint8Idx([3, 1000], values));
    // Two gzip members: the trailer of the last one gives only its own size.
    const split = Buffer.concat([zlib.gzipSync(single.subarray(0, 0)), zlib.gzipSync(zlib.gunzipSync(single))]);
    for (const [name, bytes] of [
      ['one-member.gz', single],
      ['two-members.gz', split],
    ] as const) {
      const read = await readIdx(write(name, bytes));
      expect(Array.from(read.data)).toEqual(values);
    }
    const multi = Buffer.concat([
      zlib.gzipSync(uint8Idx([3, 10, 100], values).subarray(0, 1500)),
      zlib.gzipSync(uint8Idx([3, 10, 100], values).subarray(1500)),
    ]);
    const images = await readIdxImages(write('multi-images.gz', multi));
    expect(Array.from(images.images, (value) => Math.round(value * 255))).toEqual(values);
  });

  it('names a folder given as an IDX file instead of a raw EISDIR', async () => {
    expect(await caught(() => readIdx(scratch))).toMatchObject({ code: 'FILE_UNREADABLE', file: scratch });
    expect((await caught(() => readIdxLabels(scratch))).message).toContain('is a folder, not a file');
  });
});
