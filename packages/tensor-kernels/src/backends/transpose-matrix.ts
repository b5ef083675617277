import * as tf from '@tensorflow/tfjs-core';

// Below this many numbers the plain kernel is as fast or faster (measured: [128, 64] 15 µs plain, 65 µs split).
const SPLIT_FROM_SIZE = 128 * 128;

/**
 * The transpose of a matrix [rows, columns] → [columns, rows]. tfjs-backend-wasm 4.22 transposes a
 * matrix whose row count is a multiple of 128 (a training batch of 128, 256, 384 ...) 4-15x slower
 * than one row more or less: measured on one thread, [128, 400] 169 µs against 23 µs for [127, 400],
 * [256, 784] 1.0 ms, [1024, 400] 4.9 ms. The same numbers come out when the rows are first cut into two
 * blocks and transposed as [2, rows/2, columns] → [columns, 2, rows/2]: [128, 400] 32 µs, [256, 784]
 * 124 µs, [1024, 400] 0.32 ms. Elsewhere, and on every other backend, this is `tf.transpose` itself.
 */
export function transposeMatrix(x: tf.Tensor2D): tf.Tensor2D {
  const [rows, columns] = x.shape;
  if (tf.getBackend() !== 'wasm' || rows % 128 !== 0 || rows * columns < SPLIT_FROM_SIZE) return tf.transpose(x);
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, [2, rows / 2, columns]), [2, 0, 1]), [columns, rows]));
}

/**
 * Whether xᵀ · y (x [rows, inputs], y [rows, outputs]) moves fewer numbers through transposes as
 * transpose(yᵀ · x): y and the [outputs, inputs] product instead of x. True for narrow outputs (a
 * 10-way layer, a 32-wide memory query). Both orders sum each element over the rows in the same
 * order, so the choice changes no bit.
 */
export function transposesFewerOnOutputs(rows: number, inputs: number, outputs: number): boolean {
  return rows * inputs > rows * outputs + inputs * outputs;
}

/**
 * xᵀ · y for x [rows, inputs] and y [rows, outputs] (a weight gradient: inputs ᵀ · output gradients)
 * as plain products: tfjs-backend-wasm 4.22 runs a matMul with a transposed operand 5-10x slower
 * than an explicit transpose and a plain one. It transposes whichever side is smaller
 * ({@link transposesFewerOnOutputs}; 400 → 10 at 128 rows: 270 µs one way, 83 µs the other).
 */
export function transposedProduct(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  const [rows, inputs] = x.shape;
  if (!transposesFewerOnOutputs(rows, inputs, y.shape[1])) return tf.matMul(transposeMatrix(x), y);
  return tf.tidy(() => transposeMatrix(tf.matMul(transposeMatrix(y), x)));
}
