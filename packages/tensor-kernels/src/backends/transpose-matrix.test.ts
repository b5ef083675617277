import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { seededValues, tensorsLeakedBy } from '@holomind/testing';
import { disposeBackend, initBackend } from '../init-backend.js';
import { transposeMatrix } from './transpose-matrix.js';

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

  it('keeps no tensor', async () => {
    await initBackend({ backends: backend });
    const matrix = tf.tensor2d(seededValues(256 * 400, 3), [256, 400]);
    expect(await tensorsLeakedBy(() => tf.dispose(transposeMatrix(matrix)))).toBe(0);
    matrix.dispose();
  });
});
