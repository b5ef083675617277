import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMutation, byteMutations, propertyParameters, PropertyOutcomes } from '@holomind/testing';
import { MonitoringError } from '../errors.js';
import { fileVersionEvent, histogramValue, imageValue, scalarValue, summaryEvent, textValue } from './event-proto.js';
import { parseTensorBoardEvents, type TensorBoardEvent } from './event-reader.js';
import { tfRecord } from './tfrecord.js';

// Property test of issue #15: TensorBoard event files written by our encoder, then damaged at
// random, never crash the reader, never make it hold more than the file, and end in
// EVENT_FILE_CORRUPT or the events written (or, cut at a record boundary, the events before the cut).

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
const summary = fc.oneof(
  fc.record({ kind: fc.constant('scalar' as const), value: fc.float() }),
  fc.record({
    kind: fc.constant('histogram' as const),
    min: finite,
    max: finite,
    num: fc.nat(1000),
    sum: finite,
    sumSquares: finite,
    limits: fc.array(finite, { maxLength: 12 }),
  }),
  fc.record({
    kind: fc.constant('image' as const),
    png: fc.uint8Array({ maxLength: 40 }),
    width: fc.nat(64),
    height: fc.nat(64),
  }),
  fc.record({ kind: fc.constant('text' as const), text: fc.string({ maxLength: 20 }) }),
);
const eventSpec = fc.record({
  step: fc.nat(1e6),
  wallTime: fc.double({ min: 0, max: 2e9, noNaN: true }),
  tag: fc.string({ maxLength: 16 }),
  summary,
});
type EventSpec = typeof eventSpec extends fc.Arbitrary<infer T> ? T : never;

/** The bytes our writer produces for the specs, and the events a correct reader must return. */
function eventFile(specs: EventSpec[]): { bytes: Uint8Array; boundaries: number[]; expected: TensorBoardEvent[] } {
  const records = [tfRecord(fileVersionEvent(1_700_000_000))];
  const expected: TensorBoardEvent[] = [{ wallTime: 1_700_000_000, step: 0, fileVersion: 'brain.Event:2', values: [] }];
  for (const { step, wallTime, tag, summary: item } of specs) {
    const value: TensorBoardEvent['values'][number] = { tag };
    let encoder;
    if (item.kind === 'scalar') {
      encoder = scalarValue(item.value);
      value.simpleValue = Math.fround(item.value);
    } else if (item.kind === 'histogram') {
      const counts = item.limits.map((_, i) => i);
      encoder = histogramValue({ ...item, bucketLimits: item.limits, bucketCounts: counts });
      value.histogram = {
        min: item.min,
        max: item.max,
        num: item.num,
        sum: item.sum,
        sumSquares: item.sumSquares,
        bucketLimit: item.limits,
        bucket: counts,
      };
    } else if (item.kind === 'image') {
      encoder = imageValue(item.png, { width: item.width, height: item.height, channels: 1 });
      value.image = { height: item.height, width: item.width, colorspace: 1, encoded: item.png };
    } else {
      encoder = textValue(item.text); // the reader keeps only the tag of other kinds
    }
    records.push(tfRecord(summaryEvent(wallTime, step, tag, encoder)));
    expected.push({ wallTime, step, values: [value] });
  }
  const boundaries = [0];
  for (const record of records) boundaries.push(boundaries.at(-1)! + record.length);
  const bytes = new Uint8Array(boundaries.at(-1)!);
  records.forEach((record, i) => bytes.set(record, boundaries[i]!));
  return { bytes, boundaries, expected };
}

const normalise = (events: TensorBoardEvent[]) =>
  events.map((event) => ({
    ...event,
    values: event.values.map((value) =>
      value.image ? { ...value, image: { ...value.image, encoded: Array.from(value.image.encoded) } } : value,
    ),
  }));

describe('parseTensorBoardEvents on written and damaged event files (property)', () => {
  it('returns the written events (or those before a cut) or EVENT_FILE_CORRUPT, holding no more than the file', () => {
    const outcomes = new PropertyOutcomes('parseTensorBoardEvents');
    fc.assert(
      fc.property(fc.array(eventSpec, { maxLength: 6 }), fc.option(byteMutations(), { freq: 4 }), (specs, mutation) => {
        const { bytes, boundaries, expected } = eventFile(specs);
        const input = mutation ? applyMutation(bytes, mutation) : bytes;
        let events: TensorBoardEvent[];
        try {
          events = parseTensorBoardEvents(input, 'fuzz.tfevents');
        } catch (error) {
          expect(MonitoringError.isInstance(error), String(error)).toBe(true);
          expect((error as MonitoringError).code).toBe('EVENT_FILE_CORRUPT');
          outcomes.record('EVENT_FILE_CORRUPT');
          return;
        }
        // Read without error: the bytes must be the file, or the file cut at a record boundary.
        const unchanged = input.length === bytes.length && input.every((byte, i) => byte === bytes[i]);
        const cut = boundaries.indexOf(input.length);
        expect(unchanged || (cut >= 0 && input.every((byte, i) => byte === bytes[i]))).toBe(true);
        expect(normalise(events)).toEqual(normalise(expected.slice(0, unchanged ? expected.length : cut)));
        // Memory: images are views into the input; decoded numbers stay under one per 8 input bytes (+ fixed fields).
        const numbers = events.reduce(
          (sum, event) => sum + event.values.reduce((count, value) => count + (value.histogram?.bucket.length ?? 0) * 2, 0),
          0,
        );
        expect(numbers).toBeLessThanOrEqual(input.length / 8);
        outcomes.record(unchanged ? 'correct' : 'correct (cut at a record boundary)');
      }),
      propertyParameters(),
    );
    outcomes.finish();
  }, 600_000);
});
