import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend, disposeBackend } from '@holomind/tensor-kernels';
import { maxAbsoluteDifference, seededValues, tensorsLeakedBy, startedWebGpu } from '@holomind/testing';
import { ExternalMemory, type WriteResult } from './external-memory.js';

afterAll(disposeBackend);

const KEY_SIZE = 8;
const ROUNDS = 5;

// Rounds of six writes and five reads into 16 slots: the third round fills the memory, later
// ones replace the least-used slots, which the reads (soft, beta 5) ranked. Importance comes as a
// tensor in odd rounds and as numbers in even ones.
async function readsAndWrites(
  write: 'write' | 'writeAsync',
): Promise<{ results: WriteResult[]; reads: Float32Array[]; memory: ExternalMemory }> {
  const memory = new ExternalMemory({ slots: 16, keySize: KEY_SIZE, beta: 5, usageDecay: 0.9 });
  const results: WriteResult[] = [];
  const reads: Float32Array[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const keys = tf.tensor2d(seededValues(6 * KEY_SIZE, round + 1), [6, KEY_SIZE]);
      const numbers = Array.from({ length: 6 }, (_, item) => 1 + ((item * 7 + round) % 5));
      const importance = round % 2 === 1 ? tf.tensor1d(numbers) : numbers;
      results.push(write === 'write' ? memory.write(keys, importance) : await memory.writeAsync(keys, importance));
      const queries = tf.tensor2d(seededValues(5 * KEY_SIZE, 100 + round), [5, KEY_SIZE]);
      const read = memory.read(queries);
      reads.push(Float32Array.from(await read.data()));
      tf.dispose([keys, importance as tf.Tensor, queries, read]);
    }
    return { results, reads, memory };
  } catch (error) {
    memory.dispose();
    throw error;
  }
}

describe('ExternalMemory.writeAsync', () => {
  it('rejects a bad write with the synchronous write’s error, before reading anything back', async () => {
    await initBackend({ backends: 'wasm' });
    const memory = new ExternalMemory({ slots: 4, keySize: KEY_SIZE });
    const keys = tf.zeros([3, KEY_SIZE + 1]);
    await expect(memory.writeAsync(keys, [1, 1, 1])).rejects.toThrow(/must have shape \[batch, 8\]/);
    const fine = tf.zeros([2, KEY_SIZE]);
    await expect(memory.writeAsync(fine, [1, Number.NaN])).rejects.toThrow(/importance\[1\] is NaN/);
    expect(memory.stats().writes).toBe(0);
    tf.dispose([keys, fine]);
    memory.dispose();
  });

  // tfjs-backend-webgpu reads synchronously through an OffscreenCanvas, which Node lacks: write()
  // cannot run there, writeAsync must. (On wasm and cpu writeAsync is write itself.)
  it('writes on webgpu in Node as write does on cpu, and leaks no tensor', async (context) => {
    if (!(await startedWebGpu(() => initBackend({ backends: 'webgpu' }), 'writeAsync'))) return context.skip();
    const onWebGpu = await readsAndWrites('writeAsync');
    const keys = tf.tensor2d(seededValues(6 * KEY_SIZE, 7), [6, KEY_SIZE]);
    const importance = tf.ones([6]) as tf.Tensor1D;
    const leaked = await tensorsLeakedBy(async () => {
      await onWebGpu.memory.writeAsync(keys, importance);
      await onWebGpu.memory.writeAsync(keys, [1, 2, 3, 4, 5, 6]);
    });
    expect(leaked).toBe(0);
    // After a read (which updates usage on the GPU), as in a training step, write cannot read usage back.
    tf.dispose(onWebGpu.memory.read(keys));
    expect(() => onWebGpu.memory.write(keys, [1, 1, 1, 1, 1, 1])).toThrow(/OffscreenCanvas/); // why writeAsync exists
    tf.dispose([keys, importance]);
    onWebGpu.memory.dispose();
    await initBackend({ backends: 'cpu' });
    const onCpu = await readsAndWrites('write');
    onCpu.memory.dispose();
    expect(onWebGpu.results).toEqual(onCpu.results);
    onWebGpu.reads.forEach((read, round) => expect(maxAbsoluteDifference(read, onCpu.reads[round]!)).toBeLessThan(1e-4));
  });
});
