import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededValues, tensorsLeakedBy } from '@holomind/testing';
import { disposeBackend, initBackend } from '../init-backend.js';

// Our patch of tfjs-backend-wasm makes its Identity kernel (tf.clone, which tfjs-core runs on every
// tensor a custom gradient saves) share the input's memory instead of copying it.

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

describe('tf.clone (the Identity kernel) on the patched wasm backend', () => {
  const backend = () => tf.backend() as unknown as { numDataIds(): number };

  it('shares memory with its input until both are gone', () => {
    const before = backend().numDataIds();
    const values = seededValues(128 * 400, 6);
    const original = tf.tensor2d(values, [128, 400]);
    const copy = tf.clone(original);
    expect(backend().numDataIds()).toBe(before + 1); // one buffer for both
    original.dispose();
    expect(copy.dataSync()).toEqual(values);
    copy.dispose();
    expect(backend().numDataIds()).toBe(before);
  });

  it('keeps no tensor', async () => {
    const x = tf.ones([4, 3]);
    expect(await tensorsLeakedBy(() => tf.clone(x).dispose())).toBe(0);
    x.dispose();
  });

  // tfjs-backend-wasm's reductions tell that a transpose was a no-op by its output's id: our shared
  // Identity must not reach them (a first version did: a sum over axis 0 of [3, 1] came out as [3]).
  it('leaves reductions whose transpose is a no-op right', () => {
    const column = tf.tensor2d([1, 2, 4], [3, 1]);
    const [total, largest, transposed] = [tf.sum(column, 0), tf.max(column, 0), tf.transpose(column)];
    expect(total.shape).toEqual([1]);
    expect(Array.from(total.dataSync())).toEqual([7]);
    expect(Array.from(largest.dataSync())).toEqual([4]);
    expect(Array.from(transposed.dataSync())).toEqual([1, 2, 4]);
    tf.dispose([column, total, largest, transposed]);
  });

  it('serves custom gradients the tensors they saved', () => {
    const square = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([x]);
      return {
        value: tf.square(x),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], [saved]: tf.Tensor[]) => tf.mul(dy as tf.Tensor, tf.mul(saved!, 2)),
      };
    });
    const x = tf.tensor1d([1, -3, 0.5]);
    const gradient = tf.grad((input: tf.Tensor) => square(input) as tf.Tensor)(x);
    expect(Array.from(gradient.dataSync())).toEqual([2, -6, 1]);
    tf.dispose([x, gradient]);
  });
});
