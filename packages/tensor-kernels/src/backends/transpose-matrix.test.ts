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

  // Weight gradients xᵀ · dz (a narrow layer and a wide one) and input gradients dz · kernelᵀ (a wide
  // layer, the transposed order on wasm, and a narrow one, the plain order).
  it.each([
    ['transposedProduct', [128, 400], [128, 10]],
    ['transposedProduct', [128, 432], [128, 400]],
    ['productWithTransposed', [128, 400], [400, 400]],
    ['productWithTransposed', [128, 10], [400, 10]],
  ] as const)('%s of %j and %j is bit for bit the plain route, and a float64 loop', async (name, xShape, yShape) => {
    await initBackend({ backends: backend });
    const [xValues, yValues] = [seededValues(xShape[0] * xShape[1], 1), seededValues(yShape[0] * yShape[1], 2)];
    const [x, y] = [tf.tensor2d(xValues, [...xShape]), tf.tensor2d(yValues, [...yShape])];
    const weightGradient = name === 'transposedProduct';
    const product = (weightGradient ? transposedProduct : productWithTransposed)(x, y);
    const plain = weightGradient ? tf.matMul(tf.transpose(x), y) : tf.matMul(x, tf.transpose(y));
    expect(product.dataSync()).toEqual(plain.dataSync());
    // xᵀ · y or x · yᵀ element by element: a, b index the two operands as the product reads them.
    const [rows, columns, inner] = weightGradient ? [xShape[1], yShape[1], xShape[0]] : [xShape[0], yShape[0], xShape[1]];
    const a = (row: number, k: number) => (weightGradient ? xValues[k * rows + row]! : xValues[row * inner + k]!);
    const b = (k: number, column: number) => (weightGradient ? yValues[k * columns + column]! : yValues[column * inner + k]!);
    expect(product.shape).toEqual([rows, columns]);
    const values = product.dataSync();
    for (let row = 0; row < rows; row++)
      for (let column = 0; column < columns; column++) {
        let sum = 0;
        for (let k = 0; k < inner; k++) sum += a(row, k) * b(k, column);
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
