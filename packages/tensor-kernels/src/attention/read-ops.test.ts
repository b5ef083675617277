import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { maxRelativeDifference, seededValues, tensorsLeakedBy } from '@holomind/testing';
import { disposeBackend, initBackend } from '../init-backend.js';
import { normalizeRows, normalizeRowsGradient, softmaxGradient, trackReadWeights } from './read-ops.js';

afterAll(disposeBackend);

const EPSILON = 1e-8;
// Widths that fill whole SIMD lanes, leave a remainder, and a single column; 128 × 32 is a read's query.
// 13 is an odd number of SIMD vectors (trackReadWeights' two maxima take turns) and one column more.
const SHAPES: [number, number][] = [
  [128, 32],
  [5, 7],
  [6, 13],
  [3, 1],
];

// Rows of values in [-1, 1), the second row zero (its norm is clamped to ε) and the third tiny.
function rowsOf([rows, width]: [number, number], seed: number): Float32Array {
  const values = seededValues(rows * width, seed);
  for (let c = 0; c < width; c++) {
    if (rows > 1) values[width + c] = 0;
    if (rows > 2) values[2 * width + c] = values[2 * width + c]! * 1e-10;
  }
  return values;
}

// Float64 restatements of each chain, one row at a time.
function normalizeRowsF64(x: Float32Array, width: number, scale: number): { normalized: Float64Array; norm: Float64Array } {
  const rows = x.length / width;
  const normalized = new Float64Array(x.length);
  const norm = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let squares = 0;
    for (let c = 0; c < width; c++) squares += x[r * width + c]! ** 2;
    norm[r] = Math.max(Math.sqrt(squares), EPSILON);
    for (let c = 0; c < width; c++) normalized[r * width + c] = (x[r * width + c]! / norm[r]!) * scale;
  }
  return { normalized, norm };
}

function rowDot(a: ArrayLike<number>, b: ArrayLike<number>, start: number, width: number): number {
  let sum = 0;
  for (let c = start; c < start + width; c++) sum += a[c]! * b[c]!;
  return sum;
}

describe.each(['wasm', 'cpu'] as const)('attention read ops on %s', (backend) => {
  it('normalizeRows and normalizeRowsGradient equal a float64 loop (clamped rows included), with and without a scale', async () => {
    await initBackend({ backends: backend });
    for (const [index, [rows, width]] of SHAPES.entries()) {
      const x = rowsOf([rows, width], index + 1);
      const dy = seededValues(rows * width, index + 50);
      for (const scale of [undefined, 3.5]) {
        const expected = normalizeRowsF64(x, width, scale ?? 1);
        const { normalized, norm } = normalizeRows(tf.tensor2d(x, [rows, width]), EPSILON, scale);
        expect(norm.shape).toEqual([rows, 1]);
        expect(maxRelativeDifference(normalized.dataSync(), expected.normalized)).toBeLessThan(1e-6);
        expect(maxRelativeDifference(norm.dataSync(), expected.norm)).toBeLessThan(1e-6);
        tf.dispose([normalized, norm]);
      }
      // dx = (dy − x̂ Σ x̂·dy) / |x| where |x| > ε, dy / ε where the norm was clamped.
      const { normalized: x̂, norm } = normalizeRowsF64(x, width, 1);
      const expected = new Float64Array(rows * width);
      for (let r = 0; r < rows; r++) {
        const projection = norm[r]! > EPSILON ? rowDot(x̂, dy, r * width, width) : 0;
        for (let c = 0; c < width; c++)
          expected[r * width + c] = (dy[r * width + c]! - x̂[r * width + c]! * projection) / norm[r]!;
      }
      const gradient = tf.tidy(() => {
        const { normalized, norm: clamped } = normalizeRows(tf.tensor2d(x, [rows, width]), EPSILON);
        return normalizeRowsGradient(normalized, tf.tensor2d(dy, [rows, width]), clamped, EPSILON);
      });
      // dy − x̂·(x̂·dy) cancels where dy lies along x̂: float32 keeps ~1e-5 of it there.
      expect(maxRelativeDifference(gradient.dataSync(), expected, 1e-3)).toBeLessThan(1e-4);
      gradient.dispose();
    }
  });

  it('softmaxGradient and trackReadWeights equal a float64 loop', async () => {
    await initBackend({ backends: backend });
    for (const [index, [rows, width]] of SHAPES.entries()) {
      const weights = tf.tidy(
        () => tf.softmax(tf.mul(tf.tensor2d(seededValues(rows * width, index + 10), [rows, width]), 6)) as tf.Tensor2D,
      );
      const w = weights.dataSync();
      const dw = seededValues(rows * width, index + 20);
      const expectedGradient = new Float64Array(rows * width);
      for (let r = 0; r < rows; r++) {
        const sum = rowDot(w, dw, r * width, width);
        for (let c = 0; c < width; c++) expectedGradient[r * width + c] = w[r * width + c]! * (dw[r * width + c]! - sum);
      }
      const gradient = tf.tidy(() => softmaxGradient(weights, tf.tensor2d(dw, [rows, width])));
      expect(maxRelativeDifference(gradient.dataSync(), expectedGradient, 1e-3)).toBeLessThan(1e-5);

      const usage = seededValues(width, index + 30).map(Math.abs);
      const expectedUsage = Float64Array.from(usage, (value) => value * 0.99);
      let expectedHits = 7;
      for (let r = 0; r < rows; r++) {
        let largest = -Infinity;
        for (let c = 0; c < width; c++) {
          expectedUsage[c] = expectedUsage[c]! + w[r * width + c]!;
          largest = Math.max(largest, w[r * width + c]!);
        }
        if (largest >= 0.3) expectedHits++;
      }
      const tracked = tf.tidy(() => trackReadWeights(tf.tensor1d(usage), tf.scalar(7, 'int32'), weights, 0.99, 0.3));
      expect(maxRelativeDifference(tracked.usage.dataSync(), expectedUsage)).toBeLessThan(1e-5);
      expect(tracked.hits.dtype).toBe('int32');
      expect(tracked.hits.dataSync()[0]).toBe(expectedHits);
      tf.dispose([weights, gradient, tracked.usage, tracked.hits]);
    }
  });

  it('stays differentiable where tfjs records a gradient (its own ops run there)', async () => {
    await initBackend({ backends: backend });
    // No zero row here: autodiff through sqrt at 0 is NaN (the closed form's clamp is what avoids it).
    const x = tf.tensor2d(seededValues(35, 3), [5, 7]);
    const dy = tf.tensor2d(seededValues(35, 4), [5, 7]);
    const viaTape = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(normalizeRows(input, EPSILON).normalized, dy)))(x);
    const closedForm = tf.tidy(() => {
      const { normalized, norm } = normalizeRows(x, EPSILON);
      return normalizeRowsGradient(normalized, dy, norm, EPSILON);
    });
    expect(maxRelativeDifference(viaTape.dataSync(), closedForm.dataSync(), 1e-3)).toBeLessThan(1e-4);
    tf.dispose([x, dy, viaTape, closedForm]);
  });

  it('leaves no tensor behind but its results', async () => {
    await initBackend({ backends: backend });
    const [x, dy] = [tf.tensor2d(rowsOf([8, 32], 1), [8, 32]), tf.tensor2d(seededValues(8 * 32, 2), [8, 32])];
    const [usage, hits] = [tf.zeros([32]) as tf.Tensor1D, tf.scalar(0, 'int32')];
    const leaked = await tensorsLeakedBy(() => {
      const { normalized, norm } = normalizeRows(x, EPSILON, 2);
      const results = [normalized, norm, normalizeRowsGradient(normalized, dy, norm, EPSILON), softmaxGradient(x, dy)];
      const tracked = trackReadWeights(usage, hits, x, 0.5, 0.1);
      tf.dispose([...results, tracked.usage, tracked.hits]);
    });
    expect(leaked).toBe(0);
    tf.dispose([x, dy, usage, hits]);
  });
});

// tfjs's own ops for each chain (what @holomind/memory's read ran before the heap kernels): on wasm
// the kernels must give the same numbers to the last bit, so that training is unchanged.
function expectSameBitsAsTfjsOps(): void {
  for (const [index, [rows, width]] of SHAPES.entries()) {
    const x = tf.tensor2d(rowsOf([rows, width], index + 1), [rows, width]);
    const dy = tf.tensor2d(seededValues(rows * width, index + 40), [rows, width]);
    const weights = tf.softmax(tf.mul(x, 5));
    const [usage, hits] = [tf.tensor1d(seededValues(width, index + 3).map(Math.abs)), tf.scalar(3, 'int32')];
    const norm = tf.maximum(tf.sqrt(tf.sum(tf.square(x), -1, true)), EPSILON);
    const normalized = tf.div(x, norm);
    const unclamped = tf.cast(tf.greater(norm, EPSILON), 'float32');
    const expected = [
      normalized,
      norm,
      tf.mul(normalized, 3.5),
      tf.div(tf.sub(dy, tf.mul(tf.mul(normalized, tf.sum(tf.mul(normalized, dy), -1, true)), unclamped)), norm),
      tf.mul(weights, tf.sub(dy, tf.sum(tf.mul(weights, dy), -1, true))),
      tf.add(tf.mul(usage, 0.9), tf.sum(weights, 0)),
      tf.add(hits, tf.sum(tf.cast(tf.greaterEqual(tf.max(weights, 1), 0.4), 'int32'))),
    ];
    const fromHeap = normalizeRows(x, EPSILON);
    const tracked = trackReadWeights(usage, hits, weights as tf.Tensor2D, 0.9, 0.4);
    const actual = [
      fromHeap.normalized,
      fromHeap.norm,
      normalizeRows(x, EPSILON, 3.5).normalized,
      normalizeRowsGradient(fromHeap.normalized, dy, fromHeap.norm, EPSILON),
      softmaxGradient(weights, dy),
      tracked.usage,
      tracked.hits,
    ];
    actual.forEach((tensor, position) => expect(tensor.dataSync(), `output ${position}`).toEqual(expected[position]!.dataSync()));
  }
}

describe.each([1, 2])('attention read ops on wasm with %i thread(s)', (threads) => {
  it('equal tfjs ops bit for bit, each one pass on the heap (no tfjs kernel runs)', async () => {
    await disposeBackend();
    expect((await initBackend({ backends: 'wasm', threads })).threads).toBe(threads);
    tf.tidy(expectSameBitsAsTfjsOps);
    const profile = await tf.profile(() =>
      tf.tidy(() => {
        const x = tf.tensor2d(seededValues(64, 1), [8, 8]);
        const { normalized, norm } = normalizeRows(x, EPSILON);
        normalizeRowsGradient(normalized, x, norm, EPSILON);
        softmaxGradient(x, x);
        trackReadWeights(tf.zeros([8]), tf.scalar(0, 'int32'), x, 0.5, 0.5);
      }),
    );
    expect(profile.kernels.map(({ name }) => name).filter((name) => !['Fill', 'Identity'].includes(name))).toEqual([]);
    await disposeBackend();
  });
});
