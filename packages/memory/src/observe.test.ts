import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { seededValues } from '@holomind/testing';
import { ExternalMemory, type MemoryOperation } from './index.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

describe('ExternalMemory.observe', () => {
  it('reports every read and write with its rows and a wall time, agreeing with stats(), until stopped', () => {
    const memory = new ExternalMemory({ slots: 8, keySize: 4, heads: 1 });
    const seen: MemoryOperation[] = [];
    const stop = memory.observe((operation) => seen.push(operation));
    const keys = tf.tensor2d(seededValues(5 * 4, 1), [5, 4]);
    const query = tf.tensor2d(seededValues(3 * 4, 2), [3, 4]);
    const written = memory.write(keys, [1, 1, 1, 1, 1]);
    const read = memory.read(query);
    stop();
    memory.read(query).dispose();
    expect(seen.map((one) => [one.kind, one.items])).toEqual([
      ['write', written.written],
      ['read', 3],
    ]);
    for (const one of seen) expect(one.seconds).toBeGreaterThanOrEqual(0);
    const stats = memory.stats();
    expect(stats.writes).toBe(written.written);
    expect(stats.reads).toBe(6); // the unobserved read still counts
    tf.dispose([keys, query, read]);
    memory.dispose();
  });
});
