import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsTracker } from '../metrics-tracker.js';
import { valueStatistics } from '../tensor-statistics.js';
import { decodePng } from '../test-support/png-decoder.js';
import { TensorBoardWriter, tensorBoardSink } from './tensorboard-writer.js';
import { maskedCrc32c } from './tfrecord.js';

// ---------------------------------------------------------------------------------------------
// An independent reader: bit-by-bit CRC-32C (not the @aws-crypto table), TFRecord framing and a
// generic protobuf wire-format decoder (not protobufjs). Field numbers are event.proto / summary.proto.
// ---------------------------------------------------------------------------------------------

function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function referenceMask(crc: number): number {
  const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
  return (rotated + 0xa282ead8) % 2 ** 32;
}

function readRecords(file: Buffer): Uint8Array[] {
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset < file.length) {
    const lengthBytes = file.subarray(offset, offset + 8);
    const length = Number(file.readBigUInt64LE(offset));
    expect(file.readUInt32LE(offset + 8), `length CRC at byte ${offset}`).toBe(referenceMask(referenceCrc32c(lengthBytes)));
    const data = file.subarray(offset + 12, offset + 12 + length);
    expect(data.length, 'record truncated').toBe(length);
    expect(file.readUInt32LE(offset + 12 + length), `data CRC at byte ${offset}`).toBe(referenceMask(referenceCrc32c(data)));
    records.push(data);
    offset += 16 + length;
  }
  expect(offset).toBe(file.length);
  return records;
}

type Field = { wireType: number; varint?: bigint; bytes?: Uint8Array; fixed?: Uint8Array };

function decode(bytes: Uint8Array): Map<number, Field[]> {
  const fields = new Map<number, Field[]>();
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (offset < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wireType = key & 7;
    let value: Field;
    if (wireType === 0) value = { wireType, varint: varint() };
    else if (wireType === 1) value = { wireType, fixed: bytes.subarray(offset, (offset += 8)) };
    else if (wireType === 5) value = { wireType, fixed: bytes.subarray(offset, (offset += 4)) };
    else if (wireType === 2) {
      const length = Number(varint());
      value = { wireType, bytes: bytes.subarray(offset, (offset += length)) };
    } else throw new Error(`unexpected wire type ${wireType}`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

const one = (fields: Map<number, Field[]>, field: number): Field | undefined => fields.get(field)?.[0];
const asDouble = (field: Field | undefined) => Buffer.from(field!.fixed!).readDoubleLE(0);
const asFloat = (field: Field | undefined) => Buffer.from(field!.fixed!).readFloatLE(0);
const asString = (field: Field | undefined) => Buffer.from(field!.bytes!).toString('utf8');
const asInt = (field: Field | undefined) => Number(field!.varint!);
const packedDoubles = (field: Field | undefined) => {
  const buffer = Buffer.from(field!.bytes!);
  return Array.from({ length: buffer.length / 8 }, (_, i) => buffer.readDoubleLE(i * 8));
};

interface ParsedValue {
  tag: string;
  fields: Map<number, Field[]>;
}
interface ParsedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: ParsedValue[];
}

function readEvents(file: string): ParsedEvent[] {
  return readRecords(readFileSync(file)).map((record) => {
    const event = decode(record);
    const summary = one(event, 5);
    return {
      wallTime: asDouble(one(event, 1)),
      step: event.has(2) ? asInt(one(event, 2)) : 0,
      fileVersion: event.has(3) ? asString(one(event, 3)) : undefined,
      values: summary
        ? (decode(summary.bytes!).get(1) ?? []).map((value) => {
            const fields = decode(value.bytes!);
            return { tag: asString(one(fields, 1)), fields };
          })
        : [],
    };
  });
}

const folders: string[] = [];
function temporaryFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-tb-'));
  folders.push(folder);
  return folder;
}
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('maskedCrc32c', () => {
  it('masks the published check value crc32c("123456789") = 0xE3069283', () => {
    const check = new TextEncoder().encode('123456789');
    expect(referenceCrc32c(check)).toBe(0xe3069283);
    expect(maskedCrc32c(check)).toBe(referenceMask(0xe3069283));
  });

  it('agrees with the bitwise reference on random bytes of many lengths', () => {
    let state = 7;
    for (let length = 0; length < 300; length += 7) {
      const bytes = Uint8Array.from({ length }, () => (state = (state * 1103515245 + 12345) % 2 ** 31) & 0xff);
      expect(maskedCrc32c(bytes)).toBe(referenceMask(referenceCrc32c(bytes)));
    }
  });
});

describe('TensorBoardWriter', () => {
  it('writes framed, checksummed events with the file version first and scalars with their tags, steps and values', () => {
    const folder = temporaryFolder();
    const writer = new TensorBoardWriter(folder, { now: () => 1_700_000_000_500 });
    const losses = [2.5, 1.25, 0.7, Number.NaN, Number.POSITIVE_INFINITY];
    losses.forEach((loss, step) => writer.addScalar('train/loss', loss, step * 10));
    writer.addScalars({ 'eval/accuracy': 0.8125, 'eval/bwt': -0.03 }, 40);
    writer.close();

    const files = readdirSync(folder);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^events\.out\.tfevents\.1700000000\.[^.]+/);
    const events = readEvents(path.join(folder, files[0]!));
    expect(events[0]!.fileVersion).toBe('brain.Event:2');
    expect(events[0]!.wallTime).toBe(1_700_000_000.5);

    const scalars = events.slice(1).map((event) => ({
      tag: event.values[0]!.tag,
      step: event.step,
      value: asFloat(one(event.values[0]!.fields, 2)),
    }));
    expect(scalars.slice(0, 5).map((scalar) => scalar.tag)).toEqual(Array(5).fill('train/loss'));
    expect(scalars.slice(0, 5).map((scalar) => scalar.step)).toEqual([0, 10, 20, 30, 40]);
    expect(scalars.slice(0, 5).map((scalar) => scalar.value)).toEqual(losses.map((loss) => Math.fround(loss)));
    expect(scalars.slice(5)).toEqual([
      { tag: 'eval/accuracy', step: 40, value: Math.fround(0.8125) },
      { tag: 'eval/bwt', step: 40, value: Math.fround(-0.03) },
    ]);
  });

  it('writes a histogram whose buckets match a brute-force count', () => {
    const folder = temporaryFolder();
    const writer = new TensorBoardWriter(folder);
    const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 3 + (i % 7) * 0.1);
    writer.addHistogram('weights/dense', values, 7, { bins: 12 });
    writer.close();

    const [, event] = readEvents(path.join(folder, readdirSync(folder)[0]!));
    expect(event!.step).toBe(7);
    expect(event!.values[0]!.tag).toBe('weights/dense');
    const histogram = decode(one(event!.values[0]!.fields, 5)!.bytes!);
    const min = Math.min(...values);
    const max = Math.max(...values);
    expect(asDouble(one(histogram, 1))).toBe(min);
    expect(asDouble(one(histogram, 2))).toBe(max);
    expect(asDouble(one(histogram, 3))).toBe(1000);
    expect(asDouble(one(histogram, 4))).toBeCloseTo(
      values.reduce((a, b) => a + b, 0),
      9,
    );
    expect(asDouble(one(histogram, 5))).toBeCloseTo(
      values.reduce((a, b) => a + b * b, 0),
      9,
    );
    const limits = packedDoubles(one(histogram, 6));
    const counts = packedDoubles(one(histogram, 7));
    expect(limits).toHaveLength(12);
    expect(limits.at(-1)).toBe(max);
    // Brute force: bucket i holds (limits[i-1], limits[i]]; the first also holds min.
    const expected = limits.map(
      (limit, i) => values.filter((value) => value <= limit && (i === 0 || value > limits[i - 1]!)).length,
    );
    expect(counts).toEqual(expected);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1000);
  });

  it('writes one histogram per named tensor statistics entry', () => {
    const folder = temporaryFolder();
    const writer = new TensorBoardWriter(folder);
    const kernel = [0.5, -0.25, 1, 2];
    writer.addHistograms(
      'weights',
      {
        tensors: { 'dense/kernel': valueStatistics(kernel, { bins: 3 }), 'dense/bias': valueStatistics([0, 0]) },
        globalL2Norm: 0,
      },
      9,
    );
    writer.close();
    const events = readEvents(path.join(folder, readdirSync(folder)[0]!)).slice(1);
    expect(events.map((event) => [event.values[0]!.tag, event.step])).toEqual([
      ['weights/dense/kernel', 9],
      ['weights/dense/bias', 9],
    ]);
    const histogram = decode(one(events[0]!.values[0]!.fields, 5)!.bytes!);
    expect(packedDoubles(one(histogram, 6))).toEqual([0.5, 1.25, 2]); // limits: min + width·(i + 1), the last exactly max
    expect(packedDoubles(one(histogram, 7))).toEqual([2, 1, 1]); // −0.25, 0.5 | 1 | 2
  });

  it('writes an image as a PNG whose pixels decode back to the input, and text for the text plugin', () => {
    const folder = temporaryFolder();
    const writer = new TensorBoardWriter(folder);
    const width = 5;
    const height = 3;
    const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 256);
    writer.addImage('samples/input', { width, height, channels: 3, data }, 2);
    writer.addText('notes/config', 'EWC λ = 400, **split MNIST**', 0);
    writer.close();

    const [, imageEvent, textEvent] = readEvents(path.join(folder, readdirSync(folder)[0]!));
    const image = decode(one(imageEvent!.values[0]!.fields, 4)!.bytes!);
    expect(imageEvent!.values[0]!.tag).toBe('samples/input');
    expect(asInt(one(image, 1))).toBe(height);
    expect(asInt(one(image, 2))).toBe(width);
    expect(asInt(one(image, 3))).toBe(3);
    const decoded = decodePng(one(image, 4)!.bytes!);
    expect({ width: decoded.width, height: decoded.height, channels: decoded.channels }).toEqual({ width, height, channels: 3 });
    expect([...decoded.pixels]).toEqual([...data]);

    expect(textEvent!.values[0]!.tag).toBe('notes/config');
    const metadata = decode(one(textEvent!.values[0]!.fields, 9)!.bytes!);
    expect(asString(one(decode(one(metadata, 1)!.bytes!), 1))).toBe('text');
    const tensor = decode(one(textEvent!.values[0]!.fields, 8)!.bytes!);
    expect(asInt(one(tensor, 1))).toBe(7); // DT_STRING
    expect(asString(one(tensor, 8))).toBe('EWC λ = 400, **split MNIST**');
  });

  it('receives every tracked point through tensorBoardSink, tagged by task', async () => {
    const folder = temporaryFolder();
    const writer = new TensorBoardWriter(folder);
    const tracker = new MetricsTracker({ sinks: [tensorBoardSink(writer)] });
    tracker.log({ loss: 0.5 }, { step: 1 });
    tracker.log({ accuracy: 0.75 }, { step: 2, taskId: 'digits-0-4' });
    await tracker.close();
    const events = readEvents(path.join(folder, readdirSync(folder)[0]!)).slice(1);
    expect(events.map((event) => [event.values[0]!.tag, event.step, asFloat(one(event.values[0]!.fields, 2))])).toEqual([
      ['loss', 1, 0.5],
      ['accuracy/task_digits-0-4', 2, 0.75],
    ]);
  });

  it('refuses negative steps and writes after close', () => {
    const writer = new TensorBoardWriter(temporaryFolder());
    expect(() => writer.addScalar('loss', 1, -1)).toThrow(/step -1 .* non-negative integer/);
    writer.close();
    expect(() => writer.addScalar('loss', 1, 0)).toThrow(expect.objectContaining({ code: 'WRITER_CLOSED' }));
  });
});
