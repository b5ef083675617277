import * as tf from '@tensorflow/tfjs-core';
import { fisherDiagonal, type DenseFisher } from '@holomind/tensor-kernels';

/**
 * Σ over the N samples of a dense layer's squared per-sample gradients, from its inputs X [N, in]
 * and per-sample pre-activation gradients G [N, out]: kernel (X∘X)ᵀ(G∘G), bias Σ_n G∘G, through
 * `fisherDiagonal` of @holomind/tensor-kernels (fused where the backend has a kernel; it returns
 * means, hence × N).
 */
export function denseSquaredGradientSums(inputs: tf.Tensor2D, outputGradients: tf.Tensor2D): DenseFisher {
  const samples = inputs.shape[0];
  const means = fisherDiagonal(inputs, outputGradients);
  const sums = tf.tidy(() => ({ kernel: tf.mul(means.kernel, samples) as tf.Tensor2D, bias: tf.mul(means.bias, samples) as tf.Tensor1D }));
  tf.dispose([means.kernel, means.bias]);
  return sums;
}

/**
 * x · W [N, in] x [in, out] whose backward pass yields only dL/dx = dL/dz · Wᵀ, using a Wᵀ the
 * caller made once: the probe pass never needs dL/dW, and on wasm (tfjs-backend-wasm 4.22) it avoids
 * a matMul with a transposed operand, ~10x slower there than a plain one.
 */
export function matMulForProbes(inputs: tf.Tensor2D, kernel: tf.Tensor2D, kernelTransposed: tf.Tensor2D): tf.Tensor2D {
  const product = tf.customGrad((...args) => ({
    value: tf.matMul(args[0] as tf.Tensor2D, kernel),
    gradFunc: (dy: tf.Tensor) => tf.matMul(dy as tf.Tensor2D, kernelTransposed),
  }));
  return product(inputs) as tf.Tensor2D;
}
