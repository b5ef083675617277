import protobuf from 'protobufjs/minimal.js';
import { MonitoringError } from '../errors.js';
import { maskedCrc32c } from './tfrecord.js';

/** A decoded summary image: PNG bytes (a view into the file) and its declared size. */
export interface TensorBoardImage {
  height: number;
  width: number;
  colorspace: number;
  encoded: Uint8Array;
}

/** A decoded summary histogram (TensorFlow's `HistogramProto`). */
export interface TensorBoardHistogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimit: number[];
  bucket: number[];
}

/** One tagged value of a summary: a scalar, an image or a histogram (other kinds keep only the tag). */
export interface TensorBoardValue {
  tag: string;
  simpleValue?: number;
  image?: TensorBoardImage;
  histogram?: TensorBoardHistogram;
}

/** One `Event` record of a TensorBoard event file. */
export interface TensorBoardEvent {
  wallTime: number;
  step: number;
  /** Set on the first record only (`brain.Event:2`). */
  fileVersion?: string;
  values: TensorBoardValue[];
}

type Reader = protobuf.Reader;

function corrupt(source: string, offset: number, problem: string, cause?: unknown): MonitoringError {
  return new MonitoringError(
    'EVENT_FILE_CORRUPT',
    `${source}: ${problem} at byte offset ${offset}. The event file is truncated or damaged; the events before that offset are intact.`,
    cause === undefined ? undefined : { cause },
  );
}

/** Calls `field(number, wireType)` for every field of the message in `reader` up to `end`; unknown fields are skipped. */
function eachField(reader: Reader, end: number, field: (number: number, wireType: number) => boolean): void {
  while (reader.pos < end) {
    const key = reader.uint32();
    if (!field(key >>> 3, key & 7)) reader.skipType(key & 7);
  }
  if (reader.pos !== end) throw new RangeError(`message overruns its length by ${reader.pos - end} bytes`);
}

/** Reads `count` doubles (packed field 6/7 of HistogramProto, or one unpacked value). */
function doubles(reader: Reader, wireType: number, into: number[]): void {
  if (wireType !== 2) {
    into.push(reader.double());
    return;
  }
  const end = reader.uint32() + reader.pos;
  if (end > reader.len) throw new RangeError('packed doubles overrun the message');
  while (reader.pos < end) into.push(reader.double());
}

function decodeHistogram(reader: Reader, end: number): TensorBoardHistogram {
  const histogram: TensorBoardHistogram = { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimit: [], bucket: [] };
  const scalarFields: Record<number, 'min' | 'max' | 'num' | 'sum' | 'sumSquares'> = {
    1: 'min',
    2: 'max',
    3: 'num',
    4: 'sum',
    5: 'sumSquares',
  };
  eachField(reader, end, (number, wireType) => {
    if (scalarFields[number] && wireType === 1) histogram[scalarFields[number]] = reader.double();
    else if (number === 6) doubles(reader, wireType, histogram.bucketLimit);
    else if (number === 7) doubles(reader, wireType, histogram.bucket);
    else return false;
    return true;
  });
  return histogram;
}

function decodeImage(reader: Reader, end: number): TensorBoardImage {
  const image: TensorBoardImage = { height: 0, width: 0, colorspace: 0, encoded: new Uint8Array(0) };
  eachField(reader, end, (number, wireType) => {
    if (number === 1 && wireType === 0) image.height = reader.int32();
    else if (number === 2 && wireType === 0) image.width = reader.int32();
    else if (number === 3 && wireType === 0) image.colorspace = reader.int32();
    else if (number === 4 && wireType === 2) image.encoded = reader.bytes();
    else return false;
    return true;
  });
  return image;
}

/** Where an embedded message read at the reader's position ends, checked against the enclosing one. */
function messageEnd(reader: Reader, enclosingEnd: number): number {
  const end = reader.uint32() + reader.pos;
  if (end > enclosingEnd) throw new RangeError('embedded message overruns its parent');
  return end;
}

function decodeValue(reader: Reader, end: number): TensorBoardValue {
  const value: TensorBoardValue = { tag: '' };
  eachField(reader, end, (number, wireType) => {
    if (number === 1 && wireType === 2) value.tag = reader.string();
    else if (number === 2 && wireType === 5) value.simpleValue = reader.float();
    else if (number === 4 && wireType === 2) value.image = decodeImage(reader, messageEnd(reader, end));
    else if (number === 5 && wireType === 2) value.histogram = decodeHistogram(reader, messageEnd(reader, end));
    else return false;
    return true;
  });
  return value;
}

function decodeEvent(data: Uint8Array): TensorBoardEvent {
  const reader = protobuf.Reader.create(data);
  const event: TensorBoardEvent = { wallTime: 0, step: 0, values: [] };
  eachField(reader, data.length, (number, wireType) => {
    if (number === 1 && wireType === 1) event.wallTime = reader.double();
    else if (number === 2 && wireType === 0) event.step = Number(reader.int64());
    else if (number === 3 && wireType === 2) event.fileVersion = reader.string();
    else if (number === 5 && wireType === 2) {
      const summaryEnd = messageEnd(reader, data.length);
      eachField(reader, summaryEnd, (summaryField, summaryWire) => {
        if (summaryField !== 1 || summaryWire !== 2) return false;
        event.values.push(decodeValue(reader, messageEnd(reader, summaryEnd)));
        return true;
      });
    } else return false;
    return true;
  });
  return event;
}

/**
 * Decodes a TensorBoard event file: TFRecord framing with both CRC-32C checks, then each `Event`
 * (wall time, step, file version, and summary scalars, images and histograms). Memory stays within
 * the file: a record length is checked against the bytes left before anything is read, and images
 * are views into `bytes`. A damaged or truncated file fails with EVENT_FILE_CORRUPT naming the byte
 * offset; `source` names the input in messages.
 *
 * @example
 * const events = parseTensorBoardEvents(readFileSync(file), file);
 * events.flatMap((event) => event.values.filter((value) => value.tag === 'loss'));
 */
export function parseTensorBoardEvents(bytes: Uint8Array, source = 'event file'): TensorBoardEvent[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const events: TensorBoardEvent[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < 12)
      throw corrupt(source, offset, `a record header needs 12 bytes, ${bytes.length - offset} are left`);
    if (view.getUint32(offset + 8, true) !== maskedCrc32c(bytes.subarray(offset, offset + 8))) {
      throw corrupt(source, offset, 'the CRC of a record length does not match');
    }
    const high = view.getUint32(offset + 4, true);
    const length = view.getUint32(offset, true);
    if (high !== 0 || length > bytes.length - offset - 16) {
      throw corrupt(
        source,
        offset,
        `a record announces ${high * 2 ** 32 + length} bytes, but ${Math.max(0, bytes.length - offset - 16)} are left`,
      );
    }
    const data = bytes.subarray(offset + 12, offset + 12 + length);
    if (view.getUint32(offset + 12 + length, true) !== maskedCrc32c(data)) {
      throw corrupt(source, offset, 'the CRC of a record does not match its data');
    }
    try {
      events.push(decodeEvent(data));
    } catch (error) {
      throw corrupt(source, offset + 12, `the record is not a valid Event (${(error as Error).message})`, error);
    }
    offset += 16 + length;
  }
  return events;
}

/** Reads and decodes a TensorBoard event file (`events.out.tfevents.*`) with {@link parseTensorBoardEvents}. Node only. */
export async function readTensorBoardEvents(file: string): Promise<TensorBoardEvent[]> {
  const { readFile } = await import('node:fs/promises');
  return parseTensorBoardEvents(await readFile(file), file);
}
