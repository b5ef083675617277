import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxAbsoluteDifference, seededValues, tensorsLeakedBy } from '@holomind/testing';
import { float64Attention } from '../../test/references.js';
import { disposeBackend, initBackend } from '../init-backend.js';
import { memoryAttention } from './memory-attention.js';

beforeAll(() => initBackend({ backends: 'cpu' }));
afterAll(disposeBackend);

const cases = [
  { batch: 1, heads: 1, keyDim: 16, valueDim: 16, slots: 1 },
  { batch: 7, heads: 3, keyDim: 16, valueDim: 24, slots: 100 },
  { batch: 7, heads: 2, keyDim: 64, valueDim: 64, slots: 1000 },
];

function inputs(sizes: (typeof cases)[number], seed: number) {
  const { batch, heads, keyDim, valueDim, slots } = sizes;
  return {
    query: seededValues(batch * heads * keyDim, seed),
    keys: seededValues(slots * heads * keyDim, seed + 1),
    values: seededValues(slots * heads * valueDim, seed + 2),
    mask: Float32Array.from(seededValues(slots, seed + 3), (v, m) => (m === 0 || v > -0.3 ? 1 : 0)),
  };
}

describe('memoryAttention (composite) against a float64 loop', () => {
  for (const sizes of cases) {
    for (const similarity of ['dot', 'cosine'] as const) {
      for (const masked of [false, true]) {
        it(`B=${sizes.batch} H=${sizes.heads} d=${sizes.keyDim} M=${sizes.slots} ${similarity}${masked ? ' masked' : ''}`, () => {
          const data = inputs(sizes, sizes.slots + sizes.keyDim);
          const beta = 4;
          const expected = float64Attention(data.query, data.keys, data.values, sizes, {
            similarity, beta, mask: masked ? data.mask : undefined,
          });
          const { batch, heads, keyDim, valueDim, slots } = sizes;
          const q = tf.tensor3d(data.query, [batch, heads, keyDim]);
          const k = tf.tensor3d(data.keys, [slots, heads, keyDim]);
          const v = tf.tensor3d(data.values, [slots, heads, valueDim]);
          const mask = masked ? tf.tensor1d(data.mask) : undefined;
          const { output, weights } = memoryAttention(q, k, v, { similarity, beta, mask, returnWeights: true });
          expect(output.shape).toEqual([batch, heads, valueDim]);
          expect(weights!.shape).toEqual([batch, heads, slots]);
          // float32 softmax and sums of <= 1000 terms in [-1, 1]: errors stay near 1e-6.
          expect(maxAbsoluteDifference(output.dataSync(), expected.output)).toBeLessThan(2e-5);
          expect(maxAbsoluteDifference(weights!.dataSync(), expected.weights)).toBeLessThan(2e-6);
          tf.dispose([q, k, v, mask, output, weights]);
        });
      }
    }
  }

  it('reads zeros when every slot is empty', () => {
    const q = tf.ones([2, 1, 4]) as tf.Tensor3D;
    const k = tf.ones([3, 1, 4]) as tf.Tensor3D;
    const mask = tf.zeros([3]) as tf.Tensor1D;
    const { output } = memoryAttention(q, k, k, { mask });
    expect(Array.from(output.dataSync())).toEqual(new Array(8).fill(0));
    tf.dispose([q, k, mask, output]);
  });

  it('only materialises weights when asked', () => {
    const q = tf.ones([1, 1, 4]) as tf.Tensor3D;
    const result = memoryAttention(q, q, q);
    expect(result.weights).toBeUndefined();
    tf.dispose([q, result.output]);
  });

  it('leaks no tensor, forward or backward', async () => {
    const sizes = cases[1]!;
    const data = inputs(sizes, 9);
    const q = tf.tensor3d(data.query, [sizes.batch, sizes.heads, sizes.keyDim]);
    const k = tf.tensor3d(data.keys, [sizes.slots, sizes.heads, sizes.keyDim]);
    const v = tf.tensor3d(data.values, [sizes.slots, sizes.heads, sizes.valueDim]);
    const mask = tf.tensor1d(data.mask);
    const leaked = await tensorsLeakedBy(() => {
      const { output, weights } = memoryAttention(q, k, v, { similarity: 'cosine', mask, returnWeights: true });
      tf.dispose([output, weights]);
      const gradients = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(memoryAttention(a as tf.Tensor3D, b as tf.Tensor3D, c as tf.Tensor3D, { mask }).output))([q, k, v]);
      tf.dispose(gradients);
    });
    expect(leaked).toBe(0);
    tf.dispose([q, k, v, mask]);
  });
});

describe('memoryAttention input errors', () => {
  // Created lazily: the backend starts in beforeAll, after describe bodies run.
  const q = () => tf.zeros([2, 4, 8]) as tf.Tensor3D;
  const k = () => tf.zeros([5, 4, 8]) as tf.Tensor3D;
  it.each([
    ['mismatched heads', () => memoryAttention(q(), tf.zeros([5, 3, 8]) as tf.Tensor3D, k()), /keys heads.*got 3, expected 4/],
    ['mismatched dims', () => memoryAttention(q(), tf.zeros([5, 4, 6]) as tf.Tensor3D, k()), /keys dim.*got 6, expected 8/],
    ['int32 query', () => memoryAttention(tf.zeros([2, 4, 8], 'int32') as tf.Tensor3D, k(), k()), /query must be float32, got int32/],
    ['M = 0', () => memoryAttention(q(), tf.zeros([0, 4, 8]) as tf.Tensor3D, tf.zeros([0, 4, 8]) as tf.Tensor3D), /M = 0/],
    ['mask of the wrong length', () => memoryAttention(q(), k(), k(), { mask: tf.ones([4]) as tf.Tensor1D }), /mask length.*got 4, expected 5/],
    ['rank-2 query', () => memoryAttention(tf.zeros([2, 8]) as unknown as tf.Tensor3D, k(), k()), /query must have shape \[batch, heads, dim\], got \[2, 8\]/],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(message);
  });
});
