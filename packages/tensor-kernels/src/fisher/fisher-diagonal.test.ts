import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeDifference, seededValues, tensorsLeakedBy } from '@holomind/testing';
import { describeFisherChecks } from '../../test/fisher-suite.js';
import { float64DenseFisher } from '../../test/references.js';
import { disposeBackend, initBackend } from '../init-backend.js';
import { fisherDiagonal } from './fisher-diagonal.js';
import { probeGradients } from './probe-gradients.js';

beforeAll(() => initBackend({ backends: 'cpu' }));
afterAll(disposeBackend);

describeFisherChecks('cpu', 'auto');

describe('fisherDiagonal', () => {
  it('equals the float64 per-sample loop (N=37, in=29, out=13)', () => {
    const [samples, inUnits, outUnits] = [37, 29, 13];
    const x = seededValues(samples * inUnits, 5);
    const g = seededValues(samples * outUnits, 6);
    const expected = float64DenseFisher(x, g, samples, inUnits, outUnits);
    const { kernel, bias } = fisherDiagonal(tf.tensor2d(x, [samples, inUnits]), tf.tensor2d(g, [samples, outUnits]));
    expect(kernel.shape).toEqual([inUnits, outUnits]);
    expect(maxRelativeDifference(kernel.dataSync(), expected.kernel, 1e-6)).toBeLessThan(1e-5);
    expect(maxRelativeDifference(bias.dataSync(), expected.bias, 1e-6)).toBeLessThan(1e-5);
    tf.dispose([kernel, bias]);
  });

  it('rejects mismatched sample counts and empty input, naming the argument', () => {
    expect(() => fisherDiagonal(tf.zeros([4, 3]) as tf.Tensor2D, tf.zeros([5, 2]) as tf.Tensor2D)).toThrow(
      /outputGradients samples.*got 5, expected 4/,
    );
    expect(() => fisherDiagonal(tf.zeros([0, 3]) as tf.Tensor2D, tf.zeros([0, 2]) as tf.Tensor2D)).toThrow(/0 samples/);
    expect(() => fisherDiagonal(tf.zeros([4, 3], 'int32') as tf.Tensor2D, tf.zeros([4, 2]) as tf.Tensor2D)).toThrow(
      /inputs must be float32/,
    );
    expect(() => fisherDiagonal(tf.zeros([4, 3]) as tf.Tensor2D, tf.zeros([4, 2], 'int32') as tf.Tensor2D)).toThrow(
      /outputGradients must be float32/,
    );
    expect(() => fisherDiagonal(tf.zeros([4, 3, 1]) as unknown as tf.Tensor2D, tf.zeros([4, 2]) as tf.Tensor2D)).toThrow(
      /inputs must have shape \[samples, in\]/,
    );
  });

  it("refuses implementation 'fused' off WebGPU", () => {
    expect(() =>
      fisherDiagonal(tf.ones([4, 3]) as tf.Tensor2D, tf.ones([4, 2]) as tf.Tensor2D, { implementation: 'fused' }),
    ).toThrow(
      expect.objectContaining({ code: 'FUSED_KERNEL_UNAVAILABLE', message: expect.stringMatching(/current backend is 'cpu'/) }),
    );
  });
});

describe('probeGradients + fisherDiagonal on a two-layer MLP', () => {
  it('equals N separate backward passes of batch 1 and leaks nothing', async () => {
    const [samples, inUnits, hidden, classes] = [9, 7, 5, 3];
    const x = tf.tensor2d(seededValues(samples * inUnits, 11), [samples, inUnits]);
    const w1 = tf.tensor2d(seededValues(inUnits * hidden, 12), [inUnits, hidden]);
    const b1 = tf.tensor1d(seededValues(hidden, 13));
    const w2 = tf.tensor2d(seededValues(hidden * classes, 14), [hidden, classes]);
    const b2 = tf.tensor1d(seededValues(classes, 15));
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2], 'int32'), classes);
    const perSampleLoss = (input: tf.Tensor, y: tf.Tensor, p1?: tf.Tensor, p2?: tf.Tensor, kept?: tf.Tensor[]) => {
      if (kept) kept.push(tf.keep(input as tf.Tensor2D));
      const z1 = tf.add(tf.matMul(input as tf.Tensor2D, w1), p1 ? tf.add(b1, p1) : b1);
      const h = tf.tanh(z1) as tf.Tensor2D;
      if (kept) kept.push(tf.keep(h));
      const logits = tf.add(tf.matMul(h, w2), p2 ? tf.add(b2, p2) : b2);
      return tf.sum(tf.neg(tf.mul(y, tf.logSoftmax(logits)))) as tf.Scalar;
    };

    // Naive: one backward pass per sample, squared gradients averaged in float64.
    const naive = [new Float64Array(inUnits * hidden), new Float64Array(hidden * classes)];
    for (let n = 0; n < samples; n++) {
      const gradients = tf.tidy(() => {
        const xn = tf.slice(x, [n, 0], [1, inUnits]);
        const yn = tf.slice(labels, [n, 0], [1, classes]);
        return tf.grads((a: tf.Tensor, b: tf.Tensor) => {
          const z1 = tf.add(tf.matMul(xn, a as tf.Tensor2D), b1);
          const logits = tf.add(tf.matMul(tf.tanh(z1) as tf.Tensor2D, b as tf.Tensor2D), b2);
          return tf.sum(tf.neg(tf.mul(yn, tf.logSoftmax(logits)))) as tf.Scalar;
        })([w1, w2]);
      });
      gradients.forEach((gradient, layer) => gradient.dataSync().forEach((v, i) => (naive[layer]![i]! += (v * v) / samples)));
      tf.dispose(gradients);
    }

    const leaked = await tensorsLeakedBy(() => {
      const kept: tf.Tensor[] = [];
      const [g1, g2] = probeGradients(
        ([p1, p2]) => perSampleLoss(x, labels, p1, p2, kept),
        [
          [samples, hidden],
          [samples, classes],
        ],
      );
      const first = fisherDiagonal(kept[0] as tf.Tensor2D, g1 as tf.Tensor2D);
      const second = fisherDiagonal(kept[1] as tf.Tensor2D, g2 as tf.Tensor2D);
      expect(maxRelativeDifference(first.kernel.dataSync(), naive[0]!, 1e-7)).toBeLessThan(1e-4);
      expect(maxRelativeDifference(second.kernel.dataSync(), naive[1]!, 1e-7)).toBeLessThan(1e-4);
      // kept[0] is x itself, owned outside; kept[1] is the hidden activation tf.keep saved.
      tf.dispose([g1, g2, first.kernel, first.bias, second.kernel, second.bias, kept[1]!]);
    });
    expect(leaked).toBe(0);
    tf.dispose([x, w1, b1, w2, b2, labels]);
  });

  it('insists on a scalar summed loss', () => {
    expect(() => probeGradients(([p]) => tf.add(tf.zeros([2, 2]), p!) as unknown as tf.Scalar, [[2, 2]])).toThrow(
      /scalar.*tf.sum/,
    );
  });
});
