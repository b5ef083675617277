import * as tf from '@tensorflow/tfjs-core';
import { transposedProduct } from '../backends/transpose-matrix.js';
import { TensorKernelsError } from '../errors.js';
import { chooseImplementation } from '../implementation.js';
import { expectEqual, expectFloat32 } from '../validate.js';
import { float32, int32, runProgramAsTensor, webgpuBackend, workgroupStorageLimit } from '../webgpu/webgpu-program.js';
import type { KernelImplementation } from '../attention/memory-attention-options.js';
import { tileStagingFor } from '../webgpu/staging.js';
import { FISHER_SHARED_BYTES, FisherProgram } from './webgpu/fisher-program.js';

/** Options of {@link fisherDiagonal}. */
export interface FisherDiagonalOptions {
  /** Default `auto`: the fused kernel where the backend has one. */
  implementation?: KernelImplementation;
}

/** The diagonal of the empirical Fisher information of one dense layer; the caller owns both. */
export interface DenseFisher {
  /** [in, out]: mean over samples of (x_i · g_j)². */
  kernel: tf.Tensor2D;
  /** [out]: mean over samples of g_j². */
  bias: tf.Tensor1D;
}

/**
 * The exact empirical Fisher diagonal of a dense layer y = xW + b from its per-sample inputs and the
 * per-sample gradients of each sample's own loss at its pre-activation. Sample n's weight gradient
 * is the outer product x_n ⊗ g_n, so its square is x_n² ⊗ g_n², and the mean over n is one matmul:
 * kernel = (X∘X)ᵀ(G∘G) / N, bias = mean(G∘G) — instead of N backward passes. On the webgpu
 * backend `auto` runs a fused WGSL kernel that squares X and G while loading its tiles.
 *
 * @example
 * ```ts
 * const { kernel, bias } = fisherDiagonal(layerInputs, outputGradients); // [784, 400], [400]
 * ```
 * @param inputs X [N, in]
 * @param outputGradients G [N, out], from {@link probeGradients}
 */
export function fisherDiagonal(
  inputs: tf.Tensor2D,
  outputGradients: tf.Tensor2D,
  options: FisherDiagonalOptions = {},
): DenseFisher {
  expectFloat32('inputs', inputs, 2, '[samples, in]');
  expectFloat32('outputGradients', outputGradients, 2, '[samples, out]');
  const samples = inputs.shape[0];
  if (samples === 0) {
    throw new TensorKernelsError('INVALID_ARGUMENT', 'inputs has 0 samples; the Fisher is a mean over at least one sample.');
  }
  expectEqual(
    'outputGradients samples (shape[0]) differ from inputs samples (shape[0])',
    outputGradients.shape[0],
    samples,
    'pass the gradients of the same samples',
  );
  const implementation = chooseImplementation(options.implementation, 'fisherDiagonal', () => {
    const backend = webgpuBackend();
    if (tileStagingFor(backend) === 'registers' || FISHER_SHARED_BYTES <= workgroupStorageLimit(backend)) return undefined;
    return `the device offers ${workgroupStorageLimit(backend)} bytes of workgroup memory, the kernel needs ${FISHER_SHARED_BYTES}`;
  });
  return implementation === 'fused'
    ? fusedFisherDiagonal(inputs, outputGradients)
    : compositeFisherDiagonal(inputs, outputGradients);
}

/** fisherDiagonal's kernel part as one fused WGSL dispatch; the bias is a cheap [N, out] mean. */
function fusedFisherDiagonal(inputs: tf.Tensor2D, outputGradients: tf.Tensor2D): DenseFisher {
  const [samples, inUnits] = inputs.shape;
  const outUnits = outputGradients.shape[1];
  const program = new FisherProgram(inUnits, outUnits, tileStagingFor(webgpuBackend()));
  const kernel = runProgramAsTensor<tf.Tensor2D>(
    program,
    [inputs, outputGradients],
    [int32(samples), int32(inUnits), int32(outUnits), float32(1 / samples)],
  );
  const bias = tf.tidy(() => tf.mean(tf.square(outputGradients), 0) as tf.Tensor1D);
  return { kernel, bias };
}

/** fisherDiagonal composed from built-in ops; the reference for the fused kernel. */
export function compositeFisherDiagonal(inputs: tf.Tensor2D, outputGradients: tf.Tensor2D): DenseFisher {
  return tf.tidy(() => {
    const samples = inputs.shape[0];
    const squaredGradients = tf.square(outputGradients);
    const squaredInputs = tf.square(inputs);
    if (tf.getBackend() !== 'wasm') {
      const kernel = tf.div(tf.matMul(squaredInputs, squaredGradients, true, false), samples) as tf.Tensor2D;
      return { kernel, bias: tf.mean(squaredGradients, 0) as tf.Tensor1D };
    }
    // tfjs-backend-wasm 4.22 hands only untransposed matMuls to XNNPACK: a transposed operand is
    // ~8-10x slower than an explicit transpose and a plain matMul ([1024,784]ᵀ x [1024,400]: 393 ms
    // vs 43 ms), and a mean over axis 0 transposes too (3.5 ms for [1024,400]). So X² is transposed
    // (transposedProduct: cheaper than the other order even for a narrow layer, since XNNPACK packs
    // the right operand per tensor), and the bias mean is a product with a 1/N row on the same
    // right operand, which XNNPACK has packed already.
    const kernel = tf.div(transposedProduct(squaredInputs, squaredGradients), samples) as tf.Tensor2D;
    const meanRow = tf.fill([1, samples], 1 / samples) as tf.Tensor2D;
    const bias = tf.reshape(tf.matMul(meanRow, squaredGradients), [outputGradients.shape[1]]) as tf.Tensor1D;
    return { kernel, bias };
  });
}
