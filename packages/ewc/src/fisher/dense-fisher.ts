import * as tf from '@tensorflow/tfjs-core';
import { fisherDiagonal, type DenseFisher } from '@holomind/tensor-kernels';

/**
 * tfjs-backend-wasm 4.22 runs matMul with a transposed operand about 10x slower than without one
 * (measured here: [1024,784]ᵀ x [1024,400] 393 ms with transposeA, 30 ms + 13 ms with an explicit
 * transpose). Both helpers below route around it; elsewhere they are the plain operations.
 */
function isWasm(): boolean {
  return tf.getBackend() === 'wasm';
}

/**
 * Σ over the N samples of a dense layer's squared per-sample gradients, from its inputs X [N, in]
 * and per-sample pre-activation gradients G [N, out]: kernel (X∘X)ᵀ(G∘G), bias Σ_n G∘G. Uses
 * `fisherDiagonal` of @holomind/tensor-kernels (fused kernels where the backend has them; it
 * returns means, hence × N), or on wasm the same product with the transpose made explicit.
 */
export function denseSquaredGradientSums(inputs: tf.Tensor2D, outputGradients: tf.Tensor2D): DenseFisher {
  const samples = inputs.shape[0];
  if (!isWasm()) {
    const means = fisherDiagonal(inputs, outputGradients);
    const sums = tf.tidy(() => ({ kernel: tf.mul(means.kernel, samples) as tf.Tensor2D, bias: tf.mul(means.bias, samples) as tf.Tensor1D }));
    tf.dispose([means.kernel, means.bias]);
    return sums;
  }
  return tf.tidy(() => {
    const squaredGradients = tf.square(outputGradients);
    const kernel = tf.matMul(tf.transpose(tf.square(inputs)), squaredGradients) as tf.Tensor2D;
    const bias = tf.sum(squaredGradients, 0) as tf.Tensor1D;
    return { kernel, bias };
  });
}

/**
 * x · W [N, in] x [in, out] whose backward pass yields only dL/dx = dL/dz · Wᵀ, using a Wᵀ the
 * caller made once: the probe pass never needs dL/dW, and on wasm it avoids the slow transposed matMul.
 */
export function matMulForProbes(inputs: tf.Tensor2D, kernel: tf.Tensor2D, kernelTransposed: tf.Tensor2D): tf.Tensor2D {
  const product = tf.customGrad((...args) => ({
    value: tf.matMul(args[0] as tf.Tensor2D, kernel),
    gradFunc: (dy: tf.Tensor) => tf.matMul(dy as tf.Tensor2D, kernelTransposed),
  }));
  return product(inputs) as tf.Tensor2D;
}
