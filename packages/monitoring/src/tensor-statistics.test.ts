import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's entry point does not register gradients; tfjs (the union package) imports this file.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { seededValues, tensorsLeakedBy } from '@holomind/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { MetricsTracker } from './metrics-tracker.js';
import { histogramOf, logStatistics, namedStatistics, tensorStatistics, valueStatistics } from './tensor-statistics.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('tensor statistics', () => {
  it('match TensorFlow.js reductions on the CPU backend (float32, relative 1e-5)', async () => {
    const values = seededValues(4096, 11);
    const tensor = tf.tensor2d(values, [64, 64]);
    const statistics = await tensorStatistics(tensor);
    const [norm, l1, mean, variance, min, max] = tf.tidy(() => {
      const moments = tf.moments(tensor);
      return [tf.norm(tensor), tf.sum(tf.abs(tensor)), moments.mean, moments.variance, tf.min(tensor), tf.max(tensor)].map(
        (result) => result.dataSync()[0]!,
      );
    });
    tensor.dispose();
    expect(statistics.size).toBe(4096);
    expect(Math.abs(statistics.l2Norm - norm!) / norm!).toBeLessThan(1e-5);
    expect(Math.abs(statistics.l1Norm - l1!) / l1!).toBeLessThan(1e-5);
    expect(Math.abs(statistics.mean - mean!)).toBeLessThan(1e-5);
    expect(Math.abs(statistics.std - Math.sqrt(variance!)) / Math.sqrt(variance!)).toBeLessThan(1e-5);
    expect(statistics.min).toBe(min);
    expect(statistics.max).toBe(max);
  });

  it('bins a histogram like a brute-force count over the same right-closed buckets', () => {
    const values = Array.from(seededValues(5000, 3), (value) => value ** 3);
    const { histogram } = valueStatistics(values, { bins: 17 });
    const limits = histogram.bucketLimits;
    const brute = limits.map(
      (limit, i) => values.filter((value) => value <= limit && (i === 0 || value > limits[i - 1]!)).length,
    );
    expect(histogram.bucketCounts).toEqual(brute);
    expect(histogram.num).toBe(5000);
    // Values exactly on a limit go to the lower bucket.
    const onLimits = valueStatistics([0, 1, 2, 3, 4], { bins: 4 }).histogram;
    expect(onLimits.bucketLimits).toEqual([1, 2, 3, 4]);
    expect(onLimits.bucketCounts).toEqual([2, 1, 1, 1]);
  });

  it("histogramOf (the TensorBoard writer's path) bins like a brute-force count, NaN and Infinity left out", () => {
    const values = Float32Array.from(seededValues(20_000, 5), (value, i) =>
      i % 997 === 0 ? Number.NaN : i % 991 === 0 ? -Infinity : value ** 3,
    );
    const finite = Array.from(values).filter(Number.isFinite);
    const histogram = histogramOf(values, 23);
    const limits = histogram.bucketLimits;
    expect(limits.at(-1)).toBe(Math.max(...finite));
    const brute = limits.map(
      (limit, i) => finite.filter((value) => value <= limit && (i === 0 || value > limits[i - 1]!)).length,
    );
    expect(histogram.bucketCounts).toEqual(brute);
    expect(histogram).toEqual(valueStatistics(values, { bins: 23 }).histogram);
    expect(histogramOf([2, 2, 2])).toMatchObject({ bucketLimits: [2], bucketCounts: [3] });
    expect(histogramOf([Number.NaN])).toMatchObject({ num: 0, bucketCounts: [0] });
    expect(() => histogramOf([1], 0)).toThrow(/bins/);
  });

  it('counts NaN and Infinity apart and computes the rest over finite values', () => {
    const statistics = valueStatistics([1, Number.NaN, 3, Number.POSITIVE_INFINITY, -1]);
    expect(statistics).toMatchObject({ size: 5, nonFiniteCount: 2, min: -1, max: 3, mean: 1 });
    expect(statistics.histogram.num).toBe(3);
    expect(valueStatistics([Number.NaN]).mean).toBeNaN();
    expect(valueStatistics([2, 2, 2]).histogram).toMatchObject({ bucketLimits: [2], bucketCounts: [3] });
  });

  it('summarises gradients from tf.variableGrads with a global norm, leaves no tensor behind, and logs them', async () => {
    const weights = tf.variable(tf.tensor2d(seededValues(12, 5), [3, 4]), true, 'dense/kernel');
    const bias = tf.variable(tf.zeros([4]), true, 'dense/bias');
    const input = tf.tensor2d(seededValues(6, 9), [2, 3]);
    const tracker = new MetricsTracker();
    const leaked = await tensorsLeakedBy(async () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.add(tf.matMul(input, weights), bias))));
      const statistics = await namedStatistics(grads);
      const reference = tf.tidy(() => Object.values(grads).map((grad) => tf.sum(tf.square(grad)).dataSync()[0]!));
      expect(statistics.globalL2Norm).toBeCloseTo(Math.sqrt(reference.reduce((a, b) => a + b, 0)), 4);
      expect(Object.keys(statistics.tensors).sort()).toEqual(['dense/bias', 'dense/kernel']);
      logStatistics(tracker, 'gradients', statistics, { step: 3 });
      tf.dispose([value, ...Object.values(grads)]);
      const weightStatistics = await namedStatistics([weights, bias]);
      expect(weightStatistics.tensors['dense/bias']!.l2Norm).toBe(0);
    });
    expect(leaked).toBe(0);
    expect(tracker.metricNames()).toContain('gradients/dense/kernel/l2_norm');
    expect(tracker.metricNames()).toContain('gradients/global_l2_norm');
    tf.dispose([weights, bias, input]);
  });
});
