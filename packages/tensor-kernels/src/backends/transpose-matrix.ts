import * as tf from '@tensorflow/tfjs-core';

// Below this many numbers the plain kernel is as fast or faster (measured: [128, 64] 15 µs plain, 65 µs split).
const SPLIT_FROM_SIZE = 128 * 128;
// Nanoseconds per number on one wasm thread (measured at 128-784 rows): XNNPACK packs a product's
// right operand anew for every new tensor (~2.7 ns a number: a [400, 400] kernel costs 0.44 ms before
// its first multiply), while transposeMatrix moves a number in ~0.6 ns.
const PACK_NS = 2.7;
const TRANSPOSE_NS = 0.6;

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
 * xᵀ · y for x [rows, inputs] and y [rows, outputs] (a weight gradient: inputs ᵀ · output gradients)
 * as one plain product after {@link transposeMatrix}: tfjs-backend-wasm 4.22 runs a matMul with a
 * transposed operand 5-10x slower. The other order, transpose(yᵀ · x), transposes fewer numbers for
 * a narrow layer but is slower on wasm all the same: XNNPACK packs a product's right operand anew for
 * every new tensor, ~2.7 ns a number against ~0.6 ns for a transpose, and there the right operand is
 * x (measured at 128 rows, one thread: 400 → 10 116 µs against 190 µs, 400 → 32 152 against 247,
 * 784 → 400 2.39 ms against 2.61 ms; both orders sum each element over the rows in the same order).
 */
export function transposedProduct(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(transposeMatrix(x), y));
}

/**
 * x · yᵀ for x [rows, inner] and y [columns, inner] (an input gradient: dz · kernelᵀ) as plain
 * products, in whichever order costs less on wasm: x · transpose(y) transposes and packs y, while
 * transpose(y · transpose(x)) transposes and packs x and transposes the [columns, rows] result. For a
 * wide layer at a training batch the second is cheaper (dz [128, 400] against a [400, 400] kernel:
 * 1.74 → 1.42 ms), for a narrow one the first (400 → 10: 61 µs against 71). Both orders sum each
 * element over `inner` in the same order, so the choice changes no bit. Off wasm: x · transpose(y).
 */
export function productWithTransposed(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  const [rows, inner] = x.shape;
  const columns = y.shape[0];
  const packingY = (TRANSPOSE_NS + PACK_NS) * inner * columns;
  const packingX = (TRANSPOSE_NS + PACK_NS) * inner * rows + TRANSPOSE_NS * columns * rows;
  if (tf.getBackend() !== 'wasm' || packingY <= packingX) return tf.tidy(() => tf.matMul(x, transposeMatrix(y)));
  return tf.tidy(() => transposeMatrix(tf.matMul(y, transposeMatrix(x))));
}
