import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, disposeBackend } from '@holomind/tensor-kernels';
import { maxAbsoluteDifference, seededValues } from '@holomind/testing';
import { referenceCosineRead, type ReferenceMemory } from '../test/reference.js';
import { ExternalMemory } from './external-memory.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

const heads = 2;
const keySize = 4;
const slots = 8;
const beta = 3;

function filledMemory(items: number, seed: number) {
  const memory = new ExternalMemory({ slots, keySize, heads, beta, hitThreshold: 0.6 });
  const rows = seededValues(items * heads * keySize, seed);
  const keys = tf.tensor2d(rows, [items, heads * keySize]);
  const result = memory.write(
    keys,
    Array.from({ length: items }, (_, i) => 1 + i),
  );
  keys.dispose();
  const reference: ReferenceMemory = {
    slots,
    heads,
    keySize,
    valueSize: keySize,
    keys: new Float64Array(slots * heads * keySize),
    values: new Float64Array(slots * heads * keySize),
    filled: new Uint8Array(slots),
  };
  result.slots.forEach((slot, item) => {
    reference.filled[slot] = 1;
    for (let i = 0; i < heads * keySize; i++) {
      reference.keys[slot * heads * keySize + i] = rows[item * heads * keySize + i]!;
      reference.values[slot * heads * keySize + i] = rows[item * heads * keySize + i]!;
    }
  });
  return { memory, reference, result };
}

describe('ExternalMemory.read', () => {
  it.each([5, slots])('matches a float64 content-based read over %i filled slots, in both query layouts', (items) => {
    const { memory, reference } = filledMemory(items, 11);
    const batch = 3;
    const queryValues = seededValues(batch * heads * keySize, 12);
    const expected = referenceCosineRead(reference, queryValues, batch, beta);
    const flat = tf.tensor2d(queryValues, [batch, heads * keySize]);
    const perHead = tf.tensor3d(queryValues, [batch, heads, keySize]);
    const flatRead = memory.read(flat);
    const perHeadRead = memory.read(perHead);
    expect(flatRead.shape).toEqual([batch, heads * keySize]);
    expect(perHeadRead.shape).toEqual([batch, heads, keySize]);
    // float32 cosine and softmax over <= 8 slots: errors near 1e-7.
    expect(maxAbsoluteDifference(flatRead.dataSync(), expected.output)).toBeLessThan(1e-5);
    expect(Array.from(perHeadRead.dataSync())).toEqual(Array.from(flatRead.dataSync()));
    tf.dispose([flat, perHead, flatRead, perHeadRead]);
    memory.dispose();
  });

  it('reads zeros from an empty memory and counts no hit', () => {
    const memory = new ExternalMemory({ slots, keySize, heads });
    const query = tf.ones([2, heads * keySize]) as tf.Tensor2D;
    const read = memory.read(query);
    expect(Array.from(read.dataSync())).toEqual(new Array(2 * heads * keySize).fill(0));
    expect(memory.stats()).toMatchObject({ reads: 2, hits: 0, hitRate: 0, filled: 0, utilisation: 0 });
    tf.dispose([query, read]);
    memory.dispose();
  });

  it('grows usage by the read weights after decaying it, and counts hits (Santoro et al. 2016)', () => {
    const { memory, reference, result } = filledMemory(5, 21);
    const batch = 4;
    const queryValues = seededValues(batch * heads * keySize, 22);
    const { weights } = referenceCosineRead(reference, queryValues, batch, beta);
    // After the write call every written slot has usage 0.95·0 + 1.
    const expectedUsage = new Float64Array(slots);
    for (const slot of result.slots) expectedUsage[slot] = 1;
    let expectedHits = 0;
    for (let m = 0; m < slots; m++) expectedUsage[m] = 0.95 * expectedUsage[m]!;
    for (let b = 0; b < batch; b++) {
      let sharpest = 0;
      for (let h = 0; h < heads; h++) {
        let best = 0;
        for (let m = 0; m < slots; m++) {
          const w = weights[(b * heads + h) * slots + m]!;
          expectedUsage[m] = expectedUsage[m]! + w / heads;
          best = Math.max(best, w);
        }
        sharpest += best / heads;
      }
      if (sharpest >= 0.6) expectedHits++;
    }
    const query = tf.tensor2d(queryValues, [batch, heads * keySize]);
    tf.dispose(memory.read(query));
    const state = memory.toState();
    expect(maxAbsoluteDifference(state.arrays.usage, expectedUsage)).toBeLessThan(1e-6);
    const stats = memory.stats();
    expect(expectedHits).toBeGreaterThan(0); // the seeded case exercises both outcomes
    expect(expectedHits).toBeLessThan(batch);
    expect(stats).toMatchObject({ reads: batch, hits: expectedHits, hitRate: expectedHits / batch });

    // An untracked read changes neither usage nor counters.
    tf.dispose(memory.read(query, { track: false }));
    expect(Array.from(memory.toState().arrays.usage)).toEqual(Array.from(state.arrays.usage));
    expect(memory.stats().reads).toBe(batch);
    query.dispose();
    memory.dispose();
  });

  it('is differentiable with respect to the query, and to keys and values when trainable', () => {
    for (const trainable of [false, true]) {
      const memory = new ExternalMemory({ slots, keySize, heads, trainable });
      const rows = tf.tensor2d(seededValues(3 * heads * keySize, 31), [3, heads * keySize]);
      memory.write(rows, [1, 2, 3]);
      const query = tf.variable(tf.tensor2d(seededValues(2 * heads * keySize, 32), [2, heads * keySize]));
      const variables = [query, ...memory.trainableVariables()];
      expect(variables).toHaveLength(trainable ? 3 : 1);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(memory.read(query))), variables);
      for (const variable of variables) {
        const gradient = grads[variable.name]!;
        expect(gradient.shape).toEqual(variable.shape);
        expect(tf.max(tf.abs(gradient)).dataSync()[0]).toBeGreaterThan(0);
      }
      tf.dispose([rows, query, value, ...Object.values(grads)]);
      memory.dispose();
    }
  });

  it('gives the query finite gradients while the memory is empty (the read adds none), and once it is not', () => {
    const memory = new ExternalMemory({ slots, keySize, heads });
    const query = tf.tensor2d(seededValues(2 * heads * keySize, 51), [2, heads * keySize]);
    // d/dq of sum(q) is 1 everywhere; an empty memory's read must add exactly nothing to it.
    const loss = (q: tf.Tensor) => tf.add(tf.sum(tf.square(tf.add(memory.read(q as tf.Tensor2D), 1))), tf.sum(q));
    const emptyGradient = tf.grad(loss)(query);
    expect(Array.from(emptyGradient.dataSync())).toEqual(new Array(2 * heads * keySize).fill(1));
    const rows = tf.tensor2d(seededValues(heads * keySize, 52), [1, heads * keySize]);
    memory.write(rows, [1]);
    const filledGradient = tf.grad(loss)(query);
    expect(Array.from(filledGradient.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([query, emptyGradient, rows, filledGradient]);
    memory.dispose();
  });

  it('leaks no tensor over reads, writes, cleanups and stats', async () => {
    const rows = tf.tensor2d(seededValues(6 * heads * keySize, 41), [6, heads * keySize]);
    const importance = tf.tensor1d([0.5, 1, 2, 3, 4, 5]);
    const before = tf.memory().numTensors;
    const memory = new ExternalMemory({ slots, keySize, heads });
    // keys, values, usage, hits and mask.
    expect(tf.memory().numTensors - before).toBe(5);
    for (let round = 0; round < 3; round++) {
      memory.write(rows, importance);
      tf.dispose(memory.read(rows));
      memory.cleanup();
      memory.stats();
      memory.toState();
    }
    // Beyond those, the memory holds at most the read's layout of its current keys (4 tensors, 5 with empty slots).
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(5 + 5);
    memory.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([rows, importance]);
  });
});
