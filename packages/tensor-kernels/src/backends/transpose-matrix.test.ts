import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { seededValues, tensorsLeakedBy } from '@holomind/testing';
import { disposeBackend, initBackend } from '../init-backend.js';
import { productWithTransposed, transposedProduct, transposeMatrix } from './transpose-matrix.js';

afterAll(disposeBackend);

// Row counts that take the two-block route on wasm (multiples of 128 above the size floor) and some that do not.
const SHAPES: Array<[number, number]> = [
  [128, 400],
  [256, 784],
  [1024, 48],
  [384, 10],
  [128, 64],
  [127, 400],
  [3, 5],
];

// The transpose as a JavaScript loop: the reference.
function transposedValues(values: Float32Array, rows: number, columns: number): Float32Array {
  const result = new Float32Array(values.length);
  for (let row = 0; row < rows; row++)
    for (let column = 0; column < columns; column++) result[column * rows + row] = values[row * columns + column]!;
  return result;
}

describe.each(['wasm', 'cpu'] as const)('transposeMatrix on %s', (backend) => {
  it.each(SHAPES)('transposes [%i, %i] exactly', async (rows, columns) => {
    await initBackend({ backends: backend });
    const values = seededValues(rows * columns, rows + columns);
    const matrix = tf.tensor2d(values, [rows, columns]);
    const transposed = transposeMatrix(matrix);
    expect(transposed.shape).toEqual([columns, rows]);
    expect(transposed.dataSync()).toEqual(transposedValues(values, rows, columns));
    tf.dispose([matrix, transposed]);
  });

  // A narrow layer (400 → 10) and a wide one (432 → 400), as the dense op's weight gradients.
  it.each([
    [128, 400, 10],
    [128, 432, 400],
  ])('transposedProduct of [%i, %i] and [·, %i] is xᵀ · y, bit for bit the plain route', async (rows, inputs, outputs) => {
    await initBackend({ backends: backend });
    const [xValues, yValues] = [seededValues(rows * inputs, 1), seededValues(rows * outputs, 2)];
    const [x, y] = [tf.tensor2d(xValues, [rows, inputs]), tf.tensor2d(yValues, [rows, outputs])];
    const product = transposedProduct(x, y);
    const plain = tf.matMul(tf.transpose(x), y);
    expect(product.shape).toEqual([inputs, outputs]);
    expect(product.dataSync()).toEqual(plain.dataSync());
    // And against a float64 loop.
    const values = product.dataSync();
    for (let input = 0; input < inputs; input++)
      for (let output = 0; output < outputs; output++) {
        let sum = 0;
        for (let row = 0; row < rows; row++) sum += xValues[row * inputs + input]! * yValues[row * outputs + output]!;
        expect(Math.abs(values[input * outputs + output]! - sum)).toBeLessThan(1e-4);
      }
    tf.dispose([x, y, product, plain]);
  });

  // dz · kernelᵀ: a wide layer (400 → 400 at 128 rows, the transposed order on wasm) and a narrow
  // one (400 → 10, the plain order).
  it.each([
    [128, 400, 400],
    [128, 10, 400],
  ])('productWithTransposed of [%i, %i] and [%i, ·] is x · yᵀ, bit for bit the plain route', async (rows, inner, columns) => {
    await initBackend({ backends: backend });
    const [xValues, yValues] = [seededValues(rows * inner, 5), seededValues(columns * inner, 6)];
    const [x, y] = [tf.tensor2d(xValues, [rows, inner]), tf.tensor2d(yValues, [columns, inner])];
    const product = productWithTransposed(x, y);
    const plain = tf.matMul(x, tf.transpose(y));
    expect(product.shape).toEqual([rows, columns]);
    expect(product.dataSync()).toEqual(plain.dataSync());
    const values = product.dataSync();
    for (let row = 0; row < rows; row++)
      for (let column = 0; column < columns; column++) {
        let sum = 0;
        for (let k = 0; k < inner; k++) sum += xValues[row * inner + k]! * yValues[column * inner + k]!;
        expect(Math.abs(values[row * columns + column]! - sum)).toBeLessThan(1e-4);
      }
    tf.dispose([x, y, product, plain]);
  });

  it('keeps no tensor', async () => {
    await initBackend({ backends: backend });
    const matrix = tf.tensor2d(seededValues(256 * 400, 3), [256, 400]);
    const narrow = tf.tensor2d(seededValues(256 * 10, 4), [256, 10]);
    expect(await tensorsLeakedBy(() => tf.dispose(transposeMatrix(matrix)))).toBe(0);
    expect(await tensorsLeakedBy(() => tf.dispose(transposedProduct(matrix, narrow)))).toBe(0);
    const kernel = tf.tensor2d(seededValues(400 * 400, 5), [400, 400]);
    expect(await tensorsLeakedBy(() => tf.dispose(productWithTransposed(matrix, kernel)))).toBe(0);
    tf.dispose([matrix, narrow, kernel]);
  });
});
