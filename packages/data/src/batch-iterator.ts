import * as tf from '@tensorflow/tfjs-core';
import { checkOption } from './option-checks.js';
import { assertSeed, randomStream } from './random.js';
import { featureSize, validateSplit, type DataSplit } from './split.js';

/** Options of {@link batchIterator}. */
export interface BatchIteratorOptions {
  /** Samples per batch; the last batch may be smaller unless `dropRemainder`. */
  batchSize: number;
  /** Seed of the sample order (default 0). */
  seed?: number;
  /** Visit samples in a seeded random order (default true); false keeps the split's order. */
  shuffle?: boolean;
  /** Mixed into the seed so each epoch gets its own order while staying reproducible (default 0). */
  epoch?: number;
  /** Skip a last batch smaller than `batchSize` (default false). */
  dropRemainder?: boolean;
  /** When set, `ys` is one-hot float32 [batch, oneHot] instead of int32 [batch] class indices. */
  oneHot?: number;
}

/** One batch. The consumer owns `xs` and `ys` and must dispose them. */
export interface Batch {
  /** float32 [batch, ...featureShape]. */
  xs: tf.Tensor;
  /** int32 [batch], or float32 [batch, classes] with `oneHot`. */
  ys: tf.Tensor;
  /** Index in the split of each sample of the batch. */
  indices: Int32Array;
}

/**
 * Streams a split as tensors, one batch at a time: each step copies only that batch's samples
 * into a new tensor, so a split far larger than GPU memory can be iterated. Seeded: the same
 * `seed` and `epoch` give the same batches. Tensors are created when the iterator advances and
 * belong to the caller.
 *
 * @example
 * for (const { xs, ys } of batchIterator(task.train, { batchSize: 64, seed: 7, epoch })) {
 *   optimizer.minimize(() => tf.losses.softmaxCrossEntropy(tf.oneHot(ys, 10), model(xs)));
 *   xs.dispose(); ys.dispose();
 * }
 */
export function* batchIterator(split: DataSplit, options: BatchIteratorOptions): Generator<Batch, void, undefined> {
  const { batchSize, seed = 0, shuffle = true, epoch = 0, dropRemainder = false, oneHot } = options;
  checkOption('positiveInteger', 'batchSize', batchSize);
  assertSeed(seed);
  assertSeed(epoch, 'epoch');
  if (oneHot !== undefined) checkOption('positiveInteger', 'oneHot', oneHot); // the number of classes
  validateSplit(split, { split: 'split', numClasses: oneHot, allowEmpty: true, checkFinite: false });
  const count = split.labels.length;
  const size = featureSize(split.featureShape);
  const order = shuffle
    ? randomStream(seed, 'batches', epoch).permutation(count)
    : Int32Array.from({ length: count }, (_, i) => i);
  const end = dropRemainder ? count - (count % batchSize) : count;
  for (let start = 0; start < end; start += batchSize) {
    const indices = order.slice(start, Math.min(start + batchSize, end));
    const features = new Float32Array(indices.length * size);
    indices.forEach((index, position) =>
      features.set(split.features.subarray(index * size, (index + 1) * size), position * size),
    );
    const xs = tf.tensor(features, [indices.length, ...split.featureShape], 'float32');
    const ys =
      oneHot === undefined
        ? tf.tensor1d(
            Int32Array.from(indices, (index) => split.labels[index]!),
            'int32',
          )
        : oneHotTensor(split.labels, indices, oneHot);
    yield { xs, ys, indices };
  }
}

// Built on the CPU side: tf.oneHot would leave an int32 intermediate for the caller to dispose.
function oneHotTensor(labels: Int32Array, indices: Int32Array, classes: number): tf.Tensor2D {
  const values = new Float32Array(indices.length * classes);
  indices.forEach((index, position) => (values[position * classes + labels[index]!] = 1));
  return tf.tensor2d(values, [indices.length, classes], 'float32');
}

/** Number of batches {@link batchIterator} yields for `count` samples. */
export function batchCount(count: number, batchSize: number, dropRemainder = false): number {
  return dropRemainder ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}
