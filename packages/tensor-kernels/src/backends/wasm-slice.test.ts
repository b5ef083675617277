import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededValues, tensorsLeakedBy } from '@holomind/testing';
import { disposeBackend, initBackend } from '../init-backend.js';

// Our patch of tfjs-backend-wasm slices from a view of the heap instead of a copy of the whole input.
// The reference is a JavaScript loop over the numbers the tensor was made from.

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

const ROWS = 816;
const COLUMNS = 400;
const values = seededValues(ROWS * COLUMNS, 7);

// values[begin .. begin + size) of the [ROWS, COLUMNS] matrix, row by row.
function block(rowStart: number, rows: number, columnStart: number, columns: number): Float32Array {
  const result = new Float32Array(rows * columns);
  for (let row = 0; row < rows; row++) {
    const from = (rowStart + row) * COLUMNS + columnStart;
    result.set(values.subarray(from, from + columns), row * columns);
  }
  return result;
}

describe('tf.slice on the patched wasm backend', () => {
  it('returns the rows of a contiguous slice (a weight matrix’s last rows)', () => {
    const matrix = tf.tensor2d(values, [ROWS, COLUMNS]);
    const rows = tf.slice(matrix, [784, 0], [32, -1]);
    expect(rows.shape).toEqual([32, COLUMNS]);
    expect(rows.dataSync()).toEqual(block(784, 32, 0, COLUMNS));
    tf.dispose([matrix, rows]);
  });

  it('returns a strided block and tf.split parts', () => {
    const matrix = tf.tensor2d(values, [ROWS, COLUMNS]);
    const strided = tf.slice(matrix, [5, 17], [40, 33]);
    expect(strided.dataSync()).toEqual(block(5, 40, 17, 33));
    const [left, right] = tf.split(matrix, [368, 32], 1);
    expect(left!.dataSync()).toEqual(block(0, ROWS, 0, 368));
    expect(right!.dataSync()).toEqual(block(0, ROWS, 368, 32));
    tf.dispose([matrix, strided, left!, right!]);
  });

  // The input is viewed only after the output is allocated: an output that grows the wasm heap must
  // not leave the slice reading a stale buffer. 2 × 128 MiB here, beyond what the earlier tests needed.
  it('stays right when its output grows the heap', () => {
    const [rows, columns] = [8192, 4096];
    const pattern = new Float32Array(rows * columns);
    for (let index = 0; index < pattern.length; index++) pattern[index] = index % 1009;
    const large = tf.tensor2d(pattern, [rows, columns]);
    const slice = tf.slice(large, [1, 0], [rows - 1, -1]);
    const expected = pattern.subarray(columns);
    // A loop, not toEqual: a failing toEqual diffs all 33 million numbers.
    expect(slice.dataSync().findIndex((value, index) => value !== expected[index])).toBe(-1);
    tf.dispose(slice);
    // A strided slice (every row but its first number) moves rows on a view taken after the output, too.
    const strided = tf.slice(large, [0, 1], [rows, columns - 1]);
    const stridedValues = strided.dataSync();
    const wrong = stridedValues.findIndex(
      (value, index) => value !== pattern[Math.floor(index / (columns - 1)) * columns + 1 + (index % (columns - 1))],
    );
    expect(wrong).toBe(-1);
    tf.dispose([large, strided]);
  });

  it('keeps no tensor', async () => {
    const matrix = tf.tensor2d(values, [ROWS, COLUMNS]);
    expect(await tensorsLeakedBy(() => tf.dispose(tf.slice(matrix, [1, 1], [3, 3])))).toBe(0);
    matrix.dispose();
  });
});
