import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, disposeBackend } from '@holomind/tensor-kernels';
import { ExternalMemory } from './external-memory.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

// One-hot rows make every slot's content recognisable in the state.
function oneHotRows(indices: number[], width: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(indices, 'int32'), width), 'float32') as tf.Tensor2D);
}

function storedRowIndex(memory: ExternalMemory, slot: number): number {
  const { keys } = memory.toState().arrays;
  const width = memory.queryWidth;
  const row = keys.subarray(slot * width, (slot + 1) * width);
  return row.indexOf(1);
}

describe('ExternalMemory.write', () => {
  it('fills empty slots, then replaces the least-used one: the slot reads did not touch', () => {
    const memory = new ExternalMemory({ slots: 3, keySize: 6, beta: 50, usageDecay: 0.9 });
    const first = oneHotRows([0, 1, 2], 6);
    expect(memory.write(first, [1, 1, 1]).slots).toEqual([0, 1, 2]);
    // Reads that match items 0 and 2 make slot 1 the least used.
    const queries = oneHotRows([0, 2, 0, 2], 6);
    tf.dispose(memory.read(queries));
    const usage = memory.toState().arrays.usage;
    expect(usage[1]).toBeLessThan(usage[0]!);
    expect(usage[1]).toBeLessThan(usage[2]!);
    const next = oneHotRows([5], 6);
    const result = memory.write(next, [1]);
    expect(result).toMatchObject({ slots: [1], written: 1, replaced: 1 });
    expect(storedRowIndex(memory, 1)).toBe(5);
    expect(memory.stats()).toMatchObject({ writes: 4, replacements: 1, filled: 3, utilisation: 1 });
    tf.dispose([first, queries, next]);
    memory.dispose();
  });

  it('under least-important, replaces the least important slot and refuses less important items', () => {
    const memory = new ExternalMemory({ slots: 2, keySize: 4, writePolicy: 'least-important', importanceThreshold: 0.1 });
    const rows = oneHotRows([0, 1, 2, 3], 4);
    const result = memory.write(rows, [0.5, 0.3, 0.05, 0.2]);
    // 0.05 is below the threshold; 0.5 and 0.3 fill the two slots; 0.2 is less important than both.
    expect(result).toMatchObject({ slots: [0, 1, -1, -1], written: 2, skipped: 1, rejected: 1 });
    expect([storedRowIndex(memory, 0), storedRowIndex(memory, 1)]).toEqual([0, 1]); // only the written rows
    const more = oneHotRows([3], 4);
    expect(memory.write(more, [0.4]).slots).toEqual([1]); // replaces the 0.3 item
    expect(storedRowIndex(memory, 1)).toBe(3);
    expect(memory.stats()).toMatchObject({ writes: 3, skippedWrites: 1, rejectedWrites: 1, replacements: 1 });
    tf.dispose([rows, more]);
    memory.dispose();
  });

  it('writes every item to the slot the plan gives it, most important first, keys and values alike', () => {
    // Every item is written: the rows go to their slots without a gather, so the slots' order is
    // the plan's (by importance), not the items'.
    const memory = new ExternalMemory({ slots: 4, keySize: 5 });
    const rows = oneHotRows([0, 1, 2], 5);
    const result = memory.write(rows, [0.2, 0.9, 0.5]);
    expect(result).toMatchObject({ written: 3, skipped: 0, rejected: 0 });
    const { keys, values, mask } = memory.toState().arrays;
    expect(Array.from(mask)).toEqual([1, 1, 1, 0]);
    result.slots.forEach((slot, item) => {
      expect(storedRowIndex(memory, slot), `item ${item} in slot ${slot}`).toBe(item);
      expect(Array.from(values.subarray(slot * 5, (slot + 1) * 5))).toEqual(Array.from(keys.subarray(slot * 5, (slot + 1) * 5)));
    });
    expect(result.slots).toEqual([2, 0, 1]);
    rows.dispose();
    memory.dispose();
  });

  it('stores separate values when given, and needs them when valueSize differs', () => {
    const memory = new ExternalMemory({ slots: 2, keySize: 3, valueSize: 2, heads: 2 });
    const keys = tf.ones([1, 6]);
    const values = tf.tensor2d([[1, 2, 3, 4]]);
    expect(() => memory.write(keys, [1])).toThrow(/valueSize equals keySize.*pass \{ values \} of width 4/);
    memory.write(keys, [1], { values });
    expect(Array.from(memory.toState().arrays.values.subarray(0, 4))).toEqual([1, 2, 3, 4]);
    const read = memory.read(tf.ones([1, 6]) as tf.Tensor2D);
    expect(Array.from(read.dataSync())).toEqual([1, 2, 3, 4]); // one filled slot: weight 1
    tf.dispose([keys, values, read]);
    memory.dispose();
  });

  it('keeps values that differ from the keys through later key-only writes (given, or restored from a state)', () => {
    // Key-only writes store the keys as values; while the two variables hold the same numbers a
    // write scatters once for both. Values written apart, or restored apart, must stay theirs.
    const slotRow = (array: Float32Array, slot: number) => Array.from(array.subarray(slot * 4, slot * 4 + 4));
    const check = (memory: ExternalMemory) => {
      const first = oneHotRows([0, 1], 4);
      memory.write(first, [1, 1]); // slots 0 and 1: values = keys
      const separate = tf.tensor2d([[7, 7, 7, 7]]);
      const third = oneHotRows([2], 4);
      memory.write(third, [1], { values: separate }); // slot 2: its own value
      const fourth = oneHotRows([3], 4);
      memory.write(fourth, [1]); // slot 3, key-only
      let { keys, values } = memory.toState().arrays;
      expect(slotRow(values, 2)).toEqual([7, 7, 7, 7]);
      expect(slotRow(keys, 2)).toEqual([0, 0, 1, 0]);
      expect(slotRow(values, 3)).toEqual(slotRow(keys, 3));
      const restored = ExternalMemory.fromState(memory.toState());
      // Every slot is full and usage equal: the next item replaces slot 0 (lowest index).
      const fifth = oneHotRows([1], 4);
      expect(restored.write(fifth, [1]).slots).toEqual([0]);
      ({ keys, values } = restored.toState().arrays);
      expect(slotRow(values, 2)).toEqual([7, 7, 7, 7]);
      expect(slotRow(values, 0)).toEqual([0, 1, 0, 0]);
      expect(slotRow(keys, 0)).toEqual([0, 1, 0, 0]);
      tf.dispose([first, separate, third, fourth, fifth]);
      restored.dispose();
      memory.dispose();
    };
    const before = tf.memory().numTensors;
    check(new ExternalMemory({ slots: 4, keySize: 4 }));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('ExternalMemory.cleanup', () => {
  it('decays usage, evicts the rarely used slots, zeroes them and keeps the minimum fraction', () => {
    const memory = new ExternalMemory({
      slots: 8,
      keySize: 8,
      beta: 50,
      usageDecay: 1,
      cleanupDecay: 0.5,
      evictBelow: 0.6,
      minKeepFraction: 0.5,
    });
    const rows = oneHotRows([0, 1, 2, 3, 4, 5], 8);
    memory.write(rows, [1, 1, 1, 1, 1, 1]); // usage 1 each
    const queries = oneHotRows([0, 0, 1], 8); // slot 0 and 1 gain usage
    tf.dispose(memory.read(queries));
    const before = memory.toState().arrays.usage;
    const result = memory.cleanup();
    // After halving, slots 2..5 have usage 0.5 < 0.6 and are candidates; 6 filled, keep ceil(3) → evict 3.
    expect(result).toEqual({ evicted: 3, filled: 3 });
    const state = memory.toState();
    const emptied = [2, 3, 4, 5].filter((slot) => state.arrays.mask[slot] === 0);
    expect(emptied).toHaveLength(3);
    for (const slot of emptied) {
      expect(Array.from(state.arrays.keys.subarray(slot * 8, slot * 8 + 8))).toEqual(new Array(8).fill(0));
      expect(state.arrays.usage[slot]).toBe(0);
    }
    expect(state.arrays.usage[0]).toBe(Math.fround(before[0]! * 0.5));
    expect(memory.stats()).toMatchObject({ evictions: 3, filled: 3 });
    tf.dispose([rows, queries]);
    memory.dispose();
  });
});
