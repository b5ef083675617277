import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { ExternalMemory } from './external-memory.js';

// tfjs-backend-cpu's tensorScatterUpdate fills its output in its input's buffer, so on cpu a tensor
// two holders share changes under both when one of them writes. These cases share one.
beforeAll(() => initBackend({ backends: 'cpu' }));
afterAll(disposeBackend);

describe('ExternalMemory writes on the cpu backend', () => {
  it('keeps keys and values apart when a write with its own values follows key-only writes', () => {
    const memory = new ExternalMemory({ slots: 4, keySize: 2 });
    const before = tf.memory().numTensors;
    const keys = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const otherKeys = tf.tensor2d([[5, 6]]);
    const otherValues = tf.tensor2d([[9, 8]]);
    memory.write(keys, [1, 1]); // key-only: the values are the keys (one shared tensor)
    memory.write(otherKeys, [1], { values: otherValues });
    const { arrays } = memory.toState();
    expect(Array.from(arrays.keys)).toEqual([1, 2, 3, 4, 5, 6, 0, 0]);
    expect(Array.from(arrays.values)).toEqual([1, 2, 3, 4, 9, 8, 0, 0]);
    tf.dispose([keys, otherKeys, otherValues]);
    expect(tf.memory().numTensors).toBe(before);
    memory.dispose();
  });

  it('keeps keys and values apart when a write with its own values follows a cleanup of mirrored writes', () => {
    const memory = new ExternalMemory({ slots: 4, keySize: 2, evictBelow: 0.9, minKeepFraction: 0.25 });
    const keys = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const otherKeys = tf.tensor2d([[10, 11]]);
    const otherValues = tf.tensor2d([[20, 21]]);
    memory.write(keys, [4, 3, 2, 1]); // key-only: keys and values share one tensor
    expect(memory.cleanup().evicted).toBe(3); // every usage decays below 0.9; one slot is kept
    const [slot] = memory.write(otherKeys, [1], { values: otherValues }).slots;
    const { arrays } = memory.toState();
    expect(Array.from(arrays.keys.subarray(2 * slot!, 2 * slot! + 2))).toEqual([10, 11]);
    expect(Array.from(arrays.values.subarray(2 * slot!, 2 * slot! + 2))).toEqual([20, 21]);
    tf.dispose([keys, otherKeys, otherValues]);
    memory.dispose();
  });

  it('leaves a snapshot as it was while the memory is written', () => {
    const memory = new ExternalMemory({ slots: 3, keySize: 2 });
    const first = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const second = tf.tensor2d([[7, 7]]);
    memory.write(first, [1, 1]);
    const copy = memory.snapshot();
    memory.write(second, [1]);
    expect(Array.from(memory.toState().arrays.keys)).toEqual([1, 0, 0, 1, 7, 7]);
    expect(Array.from(copy.toState().arrays.keys)).toEqual([1, 0, 0, 1, 0, 0]);
    expect(Array.from(copy.toState().arrays.values)).toEqual([1, 0, 0, 1, 0, 0]);
    tf.dispose([first, second]);
    copy.dispose();
    memory.dispose();
  });
});
