import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededValues, tensorsLeakedBy } from '@holomind/testing';
import { disposeBackend, initBackend } from '../init-backend.js';

// Our patch of tfjs-backend-wasm moves concat's rows within one view of the heap, and its Identity
// kernel (tf.clone) shares the input's memory instead of copying it. The references are JavaScript
// loops over the numbers the tensors were made from.

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

// Rows of [rows, a] beside rows of [rows, b] beside ..., as a JavaScript loop.
function rowsSideBySide(parts: { values: ArrayLike<number>; width: number }[], rows: number): number[] {
  const result: number[] = [];
  for (let row = 0; row < rows; row++)
    for (const { values, width } of parts)
      for (let column = 0; column < width; column++) result.push(values[row * width + column]!);
  return result;
}

describe('tf.concat on the patched wasm backend', () => {
  it('puts rows side by side along the last axis (a column input: features beside the memory read)', () => {
    const [features, read, third] = [seededValues(128 * 784, 1), seededValues(128 * 32, 2), seededValues(128 * 3, 3)];
    const joined = tf.concat([tf.tensor2d(features, [128, 784]), tf.tensor2d(read, [128, 32]), tf.tensor2d(third, [128, 3])], 1);
    expect(joined.shape).toEqual([128, 819]);
    const expected = rowsSideBySide(
      [
        { values: features, width: 784 },
        { values: read, width: 32 },
        { values: third, width: 3 },
      ],
      128,
    );
    expect(Array.from(joined.dataSync())).toEqual(expected);
  });

  it('keeps int32, bool and NaN bits, joins along a middle axis and the first, and skips empty parts', () => {
    const ints = tf.concat([tf.tensor2d([1, -2, 3, 2147483647], [2, 2], 'int32'), tf.tensor2d([-5, 6], [2, 1], 'int32')], 1);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([1, -2, -5, 3, 2147483647, 6]);
    const flags = tf.concat(
      [tf.tensor2d([true, false], [2, 1], 'bool'), tf.tensor2d([false, true, true, true], [2, 2], 'bool')],
      1,
    );
    expect(Array.from(flags.dataSync())).toEqual([1, 0, 1, 0, 1, 1]);
    const special = tf.concat([tf.tensor2d([NaN, -0], [2, 1]), tf.tensor2d([Infinity, 1e-40], [2, 1])], 1);
    expect(Array.from(special.dataSync())).toEqual([NaN, Infinity, -0, Math.fround(1e-40)]);
    // [2, 3, 4] beside [2, 1, 4] along axis 1: each batch's rows of 12 and 4 numbers.
    const [a, b] = [seededValues(24, 4), seededValues(8, 5)];
    const middle = tf.concat([tf.tensor3d(a, [2, 3, 4]), tf.tensor3d(b, [2, 1, 4])], 1);
    expect(Array.from(middle.dataSync())).toEqual(
      rowsSideBySide(
        [
          { values: a, width: 12 },
          { values: b, width: 4 },
        ],
        2,
      ),
    );
    const stacked = tf.concat([tf.tensor2d(a.subarray(0, 8), [2, 4]), tf.tensor2d(b, [2, 4])], 0);
    expect(Array.from(stacked.dataSync())).toEqual([...a.subarray(0, 8), ...b]);
    const withEmpty = tf.concat([tf.tensor2d(b, [2, 4]), tf.zeros([2, 0]) as tf.Tensor2D], 1);
    expect(Array.from(withEmpty.dataSync())).toEqual(Array.from(b));
  });

  // The heap is viewed only after the output is allocated: an output that grows the wasm heap must
  // not leave concat writing into a stale buffer. 2 × 64 MiB in, 128 MiB out.
  it('stays right when its output grows the heap', () => {
    const [rows, columns] = [4096, 4096];
    const pattern = new Float32Array(rows * columns);
    for (let index = 0; index < pattern.length; index++) pattern[index] = index % 1013;
    const [left, right] = [tf.tensor2d(pattern, [rows, columns]), tf.tensor2d(pattern, [rows, columns])];
    const joined = tf.concat([left, right], 1).dataSync();
    const wrong = joined.findIndex(
      (value, index) => value !== pattern[Math.floor(index / (2 * columns)) * columns + (index % columns)],
    );
    expect(wrong).toBe(-1);
    tf.dispose([left, right]);
  });

  it('keeps no tensor', async () => {
    const [a, b] = [tf.ones([4, 3]), tf.zeros([4, 2])];
    expect(await tensorsLeakedBy(() => tf.dispose(tf.concat([a, b], 1)))).toBe(0);
    tf.dispose([a, b]);
  });
});

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

  // tfjs-backend-wasm's reductions tell that a transpose was a no-op by its output's id: our shared
  // Identity must not reach them (a first version did: a sum over axis 0 of [3, 1] came out as [3]).
  it('leaves reductions whose transpose is a no-op right', () => {
    const column = tf.tensor2d([1, 2, 4], [3, 1]);
    const total = tf.sum(column, 0);
    expect(total.shape).toEqual([1]);
    expect(Array.from(total.dataSync())).toEqual([7]);
    expect(Array.from(tf.max(column, 0).dataSync())).toEqual([4]);
    expect(Array.from(tf.transpose(column).dataSync())).toEqual([1, 2, 4]);
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
