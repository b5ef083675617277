import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensorsLeakedBy } from '@holomind/testing';
import { disposeBackend, initBackend } from './init-backend.js';
import { TensorKernelsError } from './errors.js';
import { resolveTrainingData, trainingTensors } from './training-data.js';

beforeAll(() => initBackend({ backends: 'cpu' }));
afterAll(disposeBackend);

// 10 samples of 3 features, label i % 4: the plain reference every form must reproduce.
const features = Array.from({ length: 30 }, (_, i) => Math.sin(i + 1));
const classes = Array.from({ length: 10 }, (_, i) => i % 4);

async function valuesOf(data: unknown): Promise<{ inputs: number[]; inputShape: number[]; labels: number[] }> {
  const resolved = await resolveTrainingData(data);
  try {
    return {
      inputs: [...(await resolved.inputs.data())],
      inputShape: resolved.inputs.shape,
      labels: [...(await resolved.labels.data())],
    };
  } finally {
    resolved.dispose();
  }
}

describe('resolveTrainingData', () => {
  it('gives the same samples for { inputs, labels }, { xs, ys }, [xs, ys] and tf.data.Dataset forms, batched or not', async () => {
    const xs = tf.tensor2d(features, [10, 3]);
    const ys = tf.tensor1d(classes, 'int32');
    const expected = { inputs: [...Float32Array.from(features)], inputShape: [10, 3], labels: classes };
    const rows = classes.map((label, i) => ({ xs: features.slice(i * 3, i * 3 + 3), ys: label }));
    const leaked = await tensorsLeakedBy(async () => {
      expect(await valuesOf({ inputs: xs, labels: ys })).toEqual(expected);
      expect(await valuesOf({ xs, ys })).toEqual(expected);
      const tensorRows = tfd.array(rows).map((row) => {
        const { xs: x, ys: y } = row as { xs: number[]; ys: number };
        return { xs: tf.tensor1d(x), ys: tf.scalar(y, 'int32') };
      });
      expect(await valuesOf(tensorRows.batch(4))).toEqual(expected);
      expect(await valuesOf(tensorRows)).toEqual(expected);
      const pairs = tensorRows.map((row) => {
        const { xs: x, ys: y } = row as { xs: tf.Tensor; ys: tf.Tensor };
        return [x, y] as unknown as tf.TensorContainer;
      });
      // tf.data batches an array element into one tensor, so [xs, ys] pairs come unbatched (as tf.data.zip gives them).
      expect(await valuesOf(pairs)).toEqual(expected);
      const named = tensorRows.map((row) => {
        const { xs: x, ys: y } = row as { xs: tf.Tensor; ys: tf.Tensor };
        return { inputs: x, labels: y };
      });
      expect(await valuesOf(named.batch(10))).toEqual(expected);
    });
    expect(leaked).toBe(0);
    // Tensors given directly stay the caller's.
    const direct = await resolveTrainingData({ xs, ys });
    direct.dispose();
    expect(xs.isDisposed || ys.isDisposed).toBe(false);
    expect(trainingTensors({ xs, ys }).inputs).toBe(xs);
    tf.dispose([xs, ys]);
  });

  it('names what it got and the forms it takes, leaking nothing', async () => {
    const leaked = await tensorsLeakedBy(async () => {
      const x = tf.zeros([2, 3]);
      const cases: Array<[unknown, RegExp]> = [
        [
          { features: x, targets: x },
          /data is an object with keys \[features, targets\]; give \{ inputs, labels \}, \{ xs, ys \}/,
        ],
        [null, /data is null/],
        [tfd.array([{ x: 1 }]), /element 0 of the tf\.data\.Dataset is an object with keys \[x\]/],
        [tfd.array([]), /has no elements/],
        [
          tfd
            .array([
              { xs: [1, 2], ys: 0 },
              { xs: [1, 2, 3], ys: 1 },
            ])
            .map((e) => {
              const { xs, ys } = e as { xs: number[]; ys: number };
              return { xs: tf.tensor1d(xs), ys: tf.scalar(ys) };
            }),
          /cannot be joined/,
        ],
      ];
      for (const [data, message] of cases) {
        const error = await resolveTrainingData(data).catch((caught: unknown) => caught);
        expect(TensorKernelsError.isInstance(error) && error.code).toBe('INVALID_ARGUMENT');
        expect((error as Error).message).toMatch(message);
      }
      expect(() => trainingTensors(tfd.array([]))).toThrow(/read by the asynchronous APIs only/);
      x.dispose();
    });
    expect(leaked).toBe(0);
  });
});
