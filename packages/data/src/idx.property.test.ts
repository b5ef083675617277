import { writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMutation, byteMutations, propertyParameters, PropertyOutcomes } from '@holomind/testing';
import { DataError, readIdx } from './index.js';
import { largestTypedArrayAllocation, scratchFolder } from '../test/support.js';

// Property tests of issue #15: random and damaged IDX files (raw and gzip) never crash the reader,
// never make it reserve more than a stated bound, and end in a named DataError or the exact values.
const scratch = scratchFolder('idx-property');

const TYPES = [
  { code: 0x08, size: 1, read: (view: DataView, offset: number) => view.getUint8(offset) },
  { code: 0x09, size: 1, read: (view: DataView, offset: number) => view.getInt8(offset) },
  { code: 0x0b, size: 2, read: (view: DataView, offset: number) => view.getInt16(offset, false) },
  { code: 0x0c, size: 4, read: (view: DataView, offset: number) => view.getInt32(offset, false) },
  { code: 0x0d, size: 4, read: (view: DataView, offset: number) => view.getFloat32(offset, false) },
  { code: 0x0e, size: 8, read: (view: DataView, offset: number) => view.getFloat64(offset, false) },
];

/** The format as documented, decoded with DataView reads: element values, or undefined if the bytes are not one IDX array. */
function referenceDecode(bytes: Uint8Array): number[] | undefined {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[3] === 0) return undefined;
  const type = TYPES.find((candidate) => candidate.code === bytes[2]);
  if (!type) return undefined;
  const rank = bytes[3]!;
  const header = 4 + 4 * rank;
  if (bytes.length < header) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let count = 1;
  for (let axis = 0; axis < rank; axis++) count *= view.getUint32(4 + 4 * axis, false);
  if (header + count * type.size !== bytes.length) return undefined;
  return Array.from({ length: count }, (_, i) => type.read(view, header + i * type.size));
}

const idxFile = fc
  .record({
    type: fc.constantFrom(...TYPES),
    dims: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }),
    seed: fc.integer(),
  })
  .map(({ type, dims, seed }) => {
    const count = dims.reduce((product, dimension) => product * dimension, 1);
    const bytes = new Uint8Array(4 + 4 * dims.length + count * type.size);
    const view = new DataView(bytes.buffer);
    bytes[2] = type.code;
    bytes[3] = dims.length;
    dims.forEach((dimension, axis) => view.setUint32(4 + 4 * axis, dimension, false));
    for (let i = 4 + 4 * dims.length, state = seed; i < bytes.length; i++) {
      state = (Math.imul(state, 1103515245) + 12345) | 0;
      bytes[i] = state >>> 24;
    }
    return bytes;
  });

/** A header alone, claiming any dims (up to 2^32 - 1 each): the finding-12 shape of attack. */
const hugeClaim = fc
  .record({ type: fc.constantFrom(...TYPES), dims: fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 4 }) })
  .map(({ type, dims }) => {
    const bytes = new Uint8Array(4 + 4 * dims.length);
    bytes[2] = type.code;
    bytes[3] = dims.length;
    dims.forEach((dimension, axis) => new DataView(bytes.buffer).setUint32(4 + 4 * axis, dimension, false));
    return bytes;
  });

const MIB = 1 << 20;

describe('readIdx on random and damaged files (property)', () => {
  it('returns the exact values or a named DataError, within the allocation bound', async () => {
    const outcomes = new PropertyOutcomes('readIdx');
    let file = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 4, arbitrary: idxFile }, { weight: 1, arbitrary: hugeClaim }),
        fc.option(byteMutations(), { freq: 3 }),
        fc.boolean(),
        fc.boolean(),
        async (idx, mutation, gzip, mutateCompressed) => {
          // Damage either the IDX bytes before compression, or the compressed bytes themselves.
          const plain = mutation && !(gzip && mutateCompressed) ? applyMutation(idx, mutation) : idx;
          let stored: Uint8Array = gzip ? zlib.gzipSync(plain) : plain;
          if (mutation && gzip && mutateCompressed) stored = applyMutation(stored, mutation);
          // A gzip magic in a raw file makes it gzip: the reference follows the same rule.
          const isGzip = stored[0] === 0x1f && stored[1] === 0x8b;
          let inflated: Uint8Array | undefined = stored;
          if (isGzip) {
            try {
              inflated = zlib.gunzipSync(stored);
            } catch {
              inflated = undefined;
            }
          }
          const expected = inflated && referenceDecode(inflated);
          const target = path.join(scratch, `case-${file++ % 16}`);
          writeFileSync(target, stored);
          const run = await largestTypedArrayAllocation(() => readIdx(target));
          // Stated bound: 8 bytes per element (float64) of max(1 MiB, 2x the real data, 4x the file), or of the file.
          const bound = 8 * (isGzip ? Math.max(MIB, 2 * (inflated?.length ?? 0), 4 * stored.length) : Math.max(stored.length, 1));
          expect(run.largestBytes).toBeLessThanOrEqual(bound);
          if (expected) {
            expect(run.error).toBeUndefined();
            expect(Array.from(run.result!.data)).toEqual(expected);
            outcomes.record('correct');
          } else {
            expect(DataError.isInstance(run.error), String(run.error)).toBe(true);
            outcomes.record((run.error as DataError).code);
          }
        },
      ),
      propertyParameters(),
    );
    outcomes.finish();
  }, 600_000);
});
