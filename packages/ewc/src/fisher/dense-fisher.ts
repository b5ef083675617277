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
  const sums = tf.tidy(() => ({
    kernel: tf.mul(means.kernel, samples) as tf.Tensor2D,
    bias: tf.mul(means.bias, samples) as tf.Tensor1D,
  }));
  tf.dispose([means.kernel, means.bias]);
  return sums;
}

/** Activations whose derivative a probed dense step reads off its output y = f(z), by tfjs-layers class name. */
const DERIVATIVE_FROM_OUTPUT = {
  linear: (dy: tf.Tensor) => dy,
  relu: (dy: tf.Tensor, y: tf.Tensor) => tf.mul(dy, tf.step(y)),
  sigmoid: (dy: tf.Tensor, y: tf.Tensor) => tf.mul(dy, tf.mul(y, tf.sub(1, y))),
  tanh: (dy: tf.Tensor, y: tf.Tensor) => tf.mul(dy, tf.sub(1, tf.square(y))),
} satisfies Record<string, (dy: tf.Tensor, y: tf.Tensor) => tf.Tensor>;

/** An activation {@link probedDense} can run; others take the generic probe route (an added zero probe). */
export type ProbedActivation = keyof typeof DERIVATIVE_FROM_OUTPUT;

export function isProbedActivation(name: string): name is ProbedActivation {
  return Object.hasOwn(DERIVATIVE_FROM_OUTPUT, name);
}

/** What {@link probedDense} computes, y = f(xW + b), and how. */
export interface ProbedDenseLayer {
  kernel: tf.Tensor2D;
  /**
   * Wᵀ, made once by the caller, when the inputs depend on earlier probes and so need dL/dx =
   * dL/dz · Wᵀ (a plain matMul). Left out for the first probed layer, where dL/dx would be wasted.
   */
  kernelTransposed?: tf.Tensor2D;
  bias?: tf.Tensor;
  activation: ProbedActivation;
}

/**
 * y = f(xW + b) [N, out] whose backward pass gives the probe dL/dz, each sample's own gradient at
 * the pre-activation, and dL/dx when `layer.kernelTransposed` is given; never dL/dW. The probe is
 * an input only to receive that gradient: its value is zero, so the forward pass is one (fused
 * where tfjs can) matMul + bias + activation with no [N, out] addition. dL/dx uses a ready Wᵀ
 * because tfjs-backend-wasm 4.22 runs a matMul with a transposed operand ~10x slower (outside XNNPACK).
 */
export function probedDense(inputs: tf.Tensor2D, probe: tf.Tensor, layer: ProbedDenseLayer): tf.Tensor2D {
  const { kernel, kernelTransposed, bias, activation } = layer;
  const forward = (x: tf.Tensor2D) => {
    if (activation === 'tanh') return tf.tanh(tf.fused.matMul({ a: x, b: kernel, ...(bias ? { bias } : {}) }));
    return tf.fused.matMul({ a: x, b: kernel, ...(bias ? { bias } : {}), activation });
  };
  const preActivationGradient = (dy: tf.Tensor, y: tf.Tensor) => DERIVATIVE_FROM_OUTPUT[activation](dy, y);
  if (!kernelTransposed) {
    const withProbe = tf.customGrad((...args) => {
      const save = args[1] as tf.GradSaveFunc;
      const value = forward(inputs);
      save([value]);
      return { value, gradFunc: (dy: tf.Tensor, [y]: tf.Tensor[]) => preActivationGradient(dy, y!) };
    });
    return withProbe(probe) as tf.Tensor2D;
  }
  const withProbe = tf.customGrad((...args) => {
    const save = args[2] as tf.GradSaveFunc;
    const value = forward(args[0] as tf.Tensor2D);
    save([value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, [y]: tf.Tensor[]) => {
        const dz = preActivationGradient(dy, y!);
        return [tf.matMul(dz as tf.Tensor2D, kernelTransposed), dz];
      },
    };
  });
  return withProbe(inputs, probe) as tf.Tensor2D;
}

/**
 * x · W [N, in] x [in, out] whose backward pass yields only dL/dx = dL/dz · Wᵀ, using a Wᵀ the
 * caller made once: the generic probe route (activations {@link probedDense} does not know) never
 * needs dL/dW, and on wasm this avoids a matMul with a transposed operand.
 */
export function matMulForProbes(inputs: tf.Tensor2D, kernel: tf.Tensor2D, kernelTransposed: tf.Tensor2D): tf.Tensor2D {
  const product = tf.customGrad((...args) => ({
    value: tf.matMul(args[0] as tf.Tensor2D, kernel),
    gradFunc: (dy: tf.Tensor) => tf.matMul(dy as tf.Tensor2D, kernelTransposed),
  }));
  return product(inputs) as tf.Tensor2D;
}
