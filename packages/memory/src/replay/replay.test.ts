import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { seededValues, tensorsLeakedBy } from '@holomind/testing';
import { darkExperienceReplayLoss, distillationLoss, experienceReplayLoss } from './replay-losses.js';
import { NearestMeanClassifier } from './nearest-mean-classifier.js';

beforeAll(() => initBackend({ backends: 'cpu' }));
afterAll(() => disposeBackend());

// float64 references, written from the papers' formulas.
function logSoftmax64(row: number[]): number[] {
  const max = Math.max(...row);
  const log = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
  return row.map((v) => v - log);
}
function rows(values: Float32Array, n: number, c: number): number[][] {
  return Array.from({ length: n }, (_, r) => Array.from(values.subarray(r * c, (r + 1) * c), Number));
}
function crossEntropy64(logits: number[][], labels: number[]): number {
  return logits.reduce((s, row, r) => s - logSoftmax64(row)[labels[r]!]!, 0) / logits.length;
}

describe('replay losses', () => {
  const n = 6;
  const c = 5;
  const a = seededValues(n * c, 1).map((value) => value * 3);
  const b = seededValues(n * c, 2).map((value) => value * 3);
  const labels = [0, 4, 2, 2, 1, 3];

  it('experience replay is the mean cross-entropy of the replayed labels', async () => {
    const value = tf.tidy(() => experienceReplayLoss(tf.tensor2d(a, [n, c]), tf.tensor1d(labels, 'int32')).dataSync()[0]!);
    expect(value).toBeCloseTo(crossEntropy64(rows(a, n, c), labels), 5);
  });

  it('DER++ is α·MSE(logits, stored) + β·CE(second draw)', () => {
    const stored = seededValues(n * c, 3).map((value) => value * 3);
    const [alpha, beta] = [0.3, 0.5];
    const value = tf.tidy(
      () =>
        darkExperienceReplayLoss(
          tf.tensor2d(a, [n, c]),
          tf.tensor2d(stored, [n, c]),
          tf.tensor2d(b, [n, c]),
          tf.tensor1d(labels, 'int32'),
          {
            alpha,
            beta,
          },
        ).dataSync()[0]!,
    );
    let squared = 0;
    a.forEach((v, i) => (squared += (v - stored[i]!) ** 2));
    expect(value).toBeCloseTo(alpha * (squared / (n * c)) + beta * crossEntropy64(rows(b, n, c), labels), 5);
  });

  it('distillation is T²·CE(softmax(old/T), softmax(new/T)) and zero-gradient at old = new', () => {
    const temperature = 2;
    const value = tf.tidy(() => distillationLoss(tf.tensor2d(a, [n, c]), tf.tensor2d(b, [n, c]), temperature).dataSync()[0]!);
    const reference =
      (temperature ** 2 *
        rows(a, n, c).reduce((s, row, r) => {
          const teacher = logSoftmax64(rows(b, n, c)[r]!.map((v) => v / temperature)).map(Math.exp);
          const student = logSoftmax64(row.map((v) => v / temperature));
          return s - teacher.reduce((t, p, k) => t + p * student[k]!, 0);
        }, 0)) /
      n;
    expect(value).toBeCloseTo(reference, 4);
    const gradient = tf.tidy(() => {
      const old = tf.tensor2d(b, [n, c]);
      const gradient = tf.grad((x: tf.Tensor) => distillationLoss(x as tf.Tensor2D, old, temperature))(old.clone());
      return tf.max(tf.abs(gradient)).dataSync()[0]!;
    });
    expect(gradient).toBeLessThan(1e-6);
  });

  it('leaks no tensor', async () => {
    const leaked = await tensorsLeakedBy(() => {
      const [x, y, l] = [tf.tensor2d(a, [n, c]), tf.tensor2d(b, [n, c]), tf.tensor1d(labels, 'int32')];
      tf.dispose([
        experienceReplayLoss(x, l),
        darkExperienceReplayLoss(x, y, x, l, { alpha: 1, beta: 1 }),
        distillationLoss(x, y),
        x,
        y,
        l,
      ]);
    });
    expect(leaked).toBe(0);
  });
});

describe('NearestMeanClassifier', () => {
  it('classifies by the nearest normalised class mean, as a float64 brute force does', () => {
    const d = 4;
    const train = seededValues(30 * d, 5);
    const trainLabels = Array.from({ length: 30 }, (_, i) => [1, 4, 7][i % 3]!);
    const test = seededValues(20 * d, 6);
    const unit = (v: number[]) => {
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    };
    const means = new Map<number, number[]>();
    for (const label of [1, 4, 7]) {
      const members = rows(train, 30, d)
        .filter((_, r) => trainLabels[r] === label)
        .map(unit);
      means.set(label, unit(members[0]!.map((_, k) => members.reduce((s, v) => s + v[k]!, 0) / members.length)));
    }
    const expected = rows(test, 20, d).map((row) => {
      const v = unit(row);
      let best = -1;
      let bestDistance = Infinity;
      for (const [label, mean] of means) {
        const distance = mean.reduce((s, m, k) => s + (m - v[k]!) ** 2, 0);
        if (distance < bestDistance) [best, bestDistance] = [label, distance];
      }
      return best;
    });
    const classifier = NearestMeanClassifier.fit(tf.tensor2d(train, [30, d]), trainLabels);
    const predicted = tf.tidy(() => Array.from(classifier.predict(tf.tensor2d(test, [20, d])).dataSync()));
    classifier.dispose();
    expect(classifier.classes).toEqual([1, 4, 7]);
    expect(predicted).toEqual(expected);
  });
});
