import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { tensorsLeakedBy } from '@holomind/testing';
import { DataError, batchCount, batchIterator, loadMnist, type DataSplit } from './index.js';

let mnist: DataSplit;
beforeAll(async () => {
  await tf.setBackend('cpu');
  mnist = (await loadMnist({ seed: 0 })).test; // 2,000 real digits
});

describe('batchIterator', () => {
  it('visits every sample once per epoch; xs and ys hold exactly those samples', async () => {
    const seen: number[] = [];
    let batches = 0;
    const leaked = await tensorsLeakedBy(async () => {
      for (const { xs, ys, indices } of batchIterator(mnist, { batchSize: 300, seed: 1 })) {
        batches++;
        expect(xs.shape).toEqual([indices.length, 784]);
        expect(xs.dtype).toBe('float32');
        expect(ys.dtype).toBe('int32');
        const [x, y] = await Promise.all([xs.data(), ys.data()]);
        indices.forEach((index, row) => {
          expect(y[row]).toBe(mnist.labels[index]);
          expect(Array.from(x.subarray(row * 784, (row + 1) * 784))).toEqual(
            Array.from(mnist.features.subarray(index * 784, (index + 1) * 784)),
          );
        });
        seen.push(...indices);
        xs.dispose();
        ys.dispose();
      }
    });
    expect(leaked).toBe(0);
    expect(batches).toBe(batchCount(2_000, 300));
    expect(batches).toBe(7);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
    expect(seen).not.toEqual([...seen].sort((a, b) => a - b));
  });

  it('streams: only the current batch lives in tensors', () => {
    const baseline = tf.memory();
    const iterator = batchIterator(mnist, { batchSize: 128, seed: 2 });
    const first = iterator.next();
    expect(first.done).toBe(false);
    if (first.done) return;
    // One batch's tensors: 128 x 784 float32 + 128 int32 labels, not the 2,000-sample split.
    expect(tf.memory().numTensors - baseline.numTensors).toBe(2);
    expect(tf.memory().numBytes - baseline.numBytes).toBe(128 * 784 * 4 + 128 * 4);
    first.value.xs.dispose();
    first.value.ys.dispose();
    iterator.return(undefined);
    expect(tf.memory().numTensors).toBe(baseline.numTensors);
  });

  it('is reproducible from seed and epoch, differs across epochs, keeps order without shuffle', () => {
    const order = (options: Parameters<typeof batchIterator>[1]) => {
      const indices: number[] = [];
      for (const { xs, ys, indices: batch } of batchIterator(mnist, options)) {
        xs.dispose();
        ys.dispose();
        indices.push(...batch);
      }
      return indices;
    };
    const epoch0 = order({ batchSize: 500, seed: 3, epoch: 0 });
    expect(order({ batchSize: 500, seed: 3, epoch: 0 })).toEqual(epoch0);
    expect(order({ batchSize: 500, seed: 3, epoch: 1 })).not.toEqual(epoch0);
    expect(order({ batchSize: 500, seed: 4, epoch: 0 })).not.toEqual(epoch0);
    expect(order({ batchSize: 500, shuffle: false })).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
    expect(order({ batchSize: 300, seed: 3, dropRemainder: true })).toHaveLength(1_800);
  });

  it('gives one-hot float32 labels on request', async () => {
    const [batch] = batchIterator(mnist, { batchSize: 16, seed: 5, oneHot: 10 });
    const labels = await batch!.ys.array();
    expect(batch!.ys.shape).toEqual([16, 10]);
    (labels as number[][]).forEach((row, i) =>
      expect(row).toEqual(Array.from({ length: 10 }, (_, c) => (c === mnist.labels[batch!.indices[i]!] ? 1 : 0))),
    );
    batch!.xs.dispose();
    batch!.ys.dispose();
  });

  it('rejects a bad batch size, and labels beyond oneHot with the sample index', () => {
    expect(() => batchIterator(mnist, { batchSize: 0 }).next()).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', key: 'batchSize' }),
    );
    try {
      batchIterator(mnist, { batchSize: 8, oneHot: 5 }).next();
      expect.unreachable();
    } catch (error) {
      expect(DataError.isInstance(error) && error.code).toBe('LABEL_OUT_OF_RANGE');
      expect((error as DataError).sampleIndex).toBe(Array.from(mnist.labels).findIndex((label) => label >= 5));
    }
  });
});
