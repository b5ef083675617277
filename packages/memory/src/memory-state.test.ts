import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, disposeBackend } from '@holomind/tensor-kernels';
import { seededValues } from '@holomind/testing';
import { ExternalMemory } from './external-memory.js';
import { MemoryError } from './errors.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

function usedMemory(): ExternalMemory {
  const memory = new ExternalMemory({ slots: 16, keySize: 5, valueSize: 3, heads: 2, trainable: true, importanceThreshold: 0.2 });
  const keys = tf.tensor2d(seededValues(20 * 10, 1), [20, 10]);
  const values = tf.tensor2d(seededValues(20 * 6, 2), [20, 6]);
  const importance = Array.from(seededValues(20, 3), (v) => v + 1);
  memory.write(keys, importance, { values });
  const queries = tf.tensor2d(seededValues(7 * 10, 4), [7, 10]);
  tf.dispose(memory.read(queries));
  memory.cleanup();
  tf.dispose([keys, values, queries]);
  return memory;
}

describe('ExternalMemory state', () => {
  it('round-trips bit for bit: arrays, options, counters, and what later reads and writes do', () => {
    const memory = usedMemory();
    const state = memory.toState();
    const restored = ExternalMemory.fromState(structuredClone(state));
    expect(restored.toState()).toEqual(state);
    expect(restored.stats()).toEqual(memory.stats());
    const queries = tf.tensor2d(seededValues(5 * 10, 9), [5, 10]);
    const original = memory.read(queries);
    const again = restored.read(queries);
    expect(Array.from(again.dataSync())).toEqual(Array.from(original.dataSync()));
    const more = tf.tensor2d(seededValues(4 * 10, 10), [4, 10]);
    const moreValues = tf.tensor2d(seededValues(4 * 6, 11), [4, 6]);
    expect(restored.write(more, [3, 2, 1, 0], { values: moreValues })).toEqual(
      memory.write(more, [3, 2, 1, 0], { values: moreValues }),
    );
    expect(restored.toState()).toEqual(memory.toState());
    tf.dispose([queries, original, again, more, moreValues]);
    memory.dispose();
    restored.dispose();
  });

  it('snapshot() holds what the memory holds now, and neither side sees the later writes of the other', () => {
    const before = tf.memory().numTensors;
    const memory = usedMemory();
    const copy = memory.snapshot();
    const state = memory.toState();
    expect(copy.toState()).toEqual(state);
    const queries = tf.tensor2d(seededValues(5 * 10, 12), [5, 10]);
    const [original, copied] = [memory, copy].map((one) => one.read(queries, { track: false }));
    expect(Array.from(copied!.dataSync())).toEqual(Array.from(original!.dataSync()));
    const more = tf.tensor2d(seededValues(6 * 10, 13), [6, 10]);
    const moreValues = tf.tensor2d(seededValues(6 * 6, 14), [6, 6]);
    memory.write(more, [4, 3, 3, 2, 2, 1], { values: moreValues });
    expect(memory.toState().arrays.keys).not.toEqual(state.arrays.keys);
    expect(copy.toState()).toEqual(state);
    copy.write(more, [1, 1, 1, 1, 1, 1], { values: moreValues });
    expect(copy.toState().arrays.keys).not.toEqual(state.arrays.keys);
    memory.dispose(); // the copy's tensors outlive the memory they came from
    expect(copy.toState().options).toEqual(state.options);
    copy.dispose();
    tf.dispose([queries, original!, copied!, more, moreValues]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the array that does not fit', () => {
    const memory = usedMemory();
    const state = memory.toState();
    memory.dispose();
    const shorter = { ...state, arrays: { ...state.arrays, usage: new Float32Array(3) } };
    expect(() => ExternalMemory.fromState(shorter)).toThrow(
      /'usage' must be a Float32Array of length 16.*got Float32Array of length 3/,
    );
    const otherFormat = { ...state, format: 'something/2' } as unknown as typeof state;
    try {
      ExternalMemory.fromState(otherFormat);
      expect.unreachable();
    } catch (error) {
      expect(MemoryError.isInstance(error) && error.code).toBe('STATE_MISMATCH');
    }
  });
});
