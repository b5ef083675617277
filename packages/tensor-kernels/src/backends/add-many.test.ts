import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { seededValues, startedWebGpu, tensorsLeakedBy } from '@holomind/testing';
import { disposeBackend, initBackend } from '../init-backend.js';
import { addMany } from './add-many.js';

afterAll(disposeBackend);

const COUNTS = [1, 2, 7, 8, 9, 20];
const SIZE = 33;

// The float64 sum of `count` seeded rows: what every backend's float32 sum must come near.
function float64Sum(count: number): Float64Array {
  const sum = new Float64Array(SIZE);
  for (let index = 0; index < count; index++) seededValues(SIZE, index + 1).forEach((value, at) => (sum[at]! += value));
  return sum;
}

async function sumsOn(backend: 'wasm' | 'webgpu'): Promise<Float32Array[] | undefined> {
  if (backend === 'webgpu') {
    if (!(await startedWebGpu(() => initBackend({ backends: 'webgpu' }), 'addMany'))) return undefined;
  } else await initBackend({ backends: backend });
  const sums: Float32Array[] = [];
  for (const count of COUNTS) {
    const terms = Array.from({ length: count }, (_, index) => tf.tensor1d(seededValues(SIZE, index + 1)));
    const sum = addMany(terms);
    sums.push(Float32Array.from(await sum.data()));
    tf.dispose([...terms, sum]);
  }
  return sums;
}

describe('addMany', () => {
  // tf.addN itself fails there past seven inputs: eight scalars 1..8 came back as 28.
  it('sums any number of tensors on webgpu, past the storage-buffer limit', async (context) => {
    const sums = await sumsOn('webgpu');
    if (!sums) return context.skip();
    COUNTS.forEach((count, index) => {
      const expected = float64Sum(count);
      sums[index]!.forEach((value, at) => expect(Math.abs(value - expected[at]!)).toBeLessThan(1e-5));
    });
  });

  it('is tf.addN itself on wasm, bit for bit', async () => {
    const sums = (await sumsOn('wasm'))!;
    for (const [index, count] of COUNTS.entries()) {
      const terms = Array.from({ length: count }, (_, at) => tf.tensor1d(seededValues(SIZE, at + 1)));
      const reference = tf.addN(terms);
      expect(sums[index]).toEqual(Float32Array.from(await reference.data()));
      tf.dispose([...terms, reference]);
    }
  });

  it('leaks no tensor and refuses an empty list', async () => {
    await initBackend({ backends: 'wasm' });
    const terms = Array.from({ length: 9 }, () => tf.ones([4]));
    expect(await tensorsLeakedBy(() => addMany(terms).dispose())).toBe(0);
    tf.dispose(terms);
    expect(() => addMany([])).toThrow(/at least one tensor/);
  });
});
