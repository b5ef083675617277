import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { expectErrorCode, seededValues, tensorsLeakedBy } from '@holomind/testing';
import { NetworkError } from './errors.js';
import { ProgressiveNetwork } from './progressive-network.js';
import type { TaskTrainingData } from './task-data.js';

beforeAll(() => initBackend({ backends: 'cpu' }));
afterAll(disposeBackend);

const features = 6;
const count = 40;
const values = seededValues(count * features, 7);
const classes = Array.from({ length: count }, (_, n) => (values[n * features]! > values[n * features + 1]! ? 1 : 0));

function network(): ProgressiveNetwork {
  const built = new ProgressiveNetwork({
    inputShape: [features],
    extractor: { kind: 'mlp', hiddenSizes: [8] },
    column: { hiddenSizes: [5] },
    seed: 11,
  });
  built.addTask('a', { outputSize: 2 });
  return built;
}

/** The network's parameters as raw bytes, so equality is bit for bit (-0 and NaN included). */
function weightBytes(target: ProgressiveNetwork): Buffer[] {
  return Object.values(target.toState().arrays).map((array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength));
}

/** A tf.data.Dataset of `{ xs, ys }` batches of 16 (the last one short), built from plain numbers. */
function dataset(naming: 'xs' | 'inputs' = 'xs') {
  const rows = classes.map((label, n) => ({ x: Array.from(values.subarray(n * features, (n + 1) * features)), y: label }));
  return tfd
    .array(rows)
    .map((row) => {
      const { x, y } = row as { x: number[]; y: number };
      const pair = { a: tf.tensor1d(x), b: tf.scalar(y, 'int32') };
      return naming === 'xs' ? { xs: pair.a, ys: pair.b } : { inputs: pair.a, labels: pair.b };
    })
    .batch(16);
}

/** Trains a fresh network for one epoch on `form(tensors)` and returns its weights, counting tensors left behind. */
async function trainOn(form: (inputs: tf.Tensor, labels: tf.Tensor) => TaskTrainingData) {
  const inputs = tf.tensor2d(values, [count, features]);
  const labels = tf.tensor1d(classes, 'int32');
  const model = network();
  let result;
  let evaluation;
  const leaked = await tensorsLeakedBy(async () => {
    result = await model.train(form(inputs, labels), { epochs: 1, batchSize: 8 });
    evaluation = await model.evaluate(form(inputs, labels));
  });
  const weights = weightBytes(model);
  // Tensors the caller gave stay the caller's.
  expect(inputs.isDisposed || labels.isDisposed).toBe(false);
  tf.dispose([inputs, labels]);
  model.dispose();
  return { weights, leaked, result, evaluation };
}

describe('ProgressiveNetwork training data forms', () => {
  it('trains and evaluates bit-identically on { inputs, labels }, { xs, ys } and a tf.data.Dataset of either, leaking nothing', async () => {
    const reference = await trainOn((inputs, labels) => ({ taskId: 'a', inputs, labels }));
    const forms = [
      await trainOn((xs, ys) => ({ taskId: 'a', xs, ys })),
      await trainOn(() => ({ taskId: 'a', dataset: dataset('xs') })),
      await trainOn(() => ({ taskId: 'a', dataset: dataset('inputs') })),
    ];
    expect(reference.leaked).toBe(0);
    // The reference really trained: its weights differ from a fresh network's.
    const fresh = network();
    expect(weightBytes(fresh)).not.toEqual(reference.weights);
    fresh.dispose();
    for (const form of forms) {
      expect(form.leaked).toBe(0);
      expect(form.weights).toEqual(reference.weights);
      expect(form.result).toEqual(reference.result);
      expect(form.evaluation).toEqual(reference.evaluation);
    }
  });

  it('resumeTraining takes the other forms too, continuing exactly as with { inputs, labels }', async () => {
    const inputs = tf.tensor2d(values, [count, features]);
    const labels = tf.tensor1d(classes, 'int32');
    const runs: Buffer[][] = [];
    for (const next of [
      { taskId: 'a', inputs, labels },
      { taskId: 'a', dataset: dataset() },
    ] as TaskTrainingData[]) {
      const model = network();
      await model.train({ taskId: 'a', xs: inputs, ys: labels }, { epochs: 1, batchSize: 8, preserveState: true });
      const leaked = await tensorsLeakedBy(() => model.resumeTraining(next, { epochs: 1 }));
      expect(leaked).toBe(0);
      runs.push(weightBytes(model));
      model.dispose();
    }
    expect(runs[1]).toEqual(runs[0]);
    tf.dispose([inputs, labels]);
  });

  it('refuses data of no accepted form with a NetworkError naming the forms, leaking nothing', async () => {
    const model = network();
    const x = tf.zeros([2, features]);
    const leaked = await tensorsLeakedBy(async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ taskId: 'a', xs: x, ys: [0, 1] }, /give \{ inputs, labels \}, \{ xs, ys \}/],
        [{ taskId: 'a', dataset: {} }, /data\.dataset is an object with keys \[\]/],
        [{ taskId: 'a', dataset: tfd.array([{ x: 1 }]) }, /element 0 of the tf\.data\.Dataset/],
      ];
      for (const [data, message] of cases) {
        const error = await expectErrorCode(model.train(data as TaskTrainingData), NetworkError, 'INVALID_OPTION');
        expect(error.message).toMatch(message);
      }
    });
    expect(leaked).toBe(0);
    x.dispose();
    model.dispose();
  });
});
