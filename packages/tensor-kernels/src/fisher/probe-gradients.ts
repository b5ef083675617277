import * as tf from '@tensorflow/tfjs-core';
import { TensorKernelsError } from '../errors.js';
import { requireGradients } from '../gradients.js';

/**
 * Per-sample gradients at chosen points of a forward pass, in one backward pass.
 *
 * `forward` receives one zero tensor ("probe") per shape; it adds each probe to a pre-activation
 * (z = xW + b + probe, probe [N, out]) and returns the loss summed over samples. Sample n's loss
 * depends only on row n of each probe, so row n of d(sum loss)/d(probe) is exactly sample n's own
 * gradient at that pre-activation. Together with the layer inputs, {@link fisherDiagonal} turns these
 * into the exact per-sample Fisher. Layers that mix samples (batch normalisation) break this premise.
 *
 * Tensors `forward` wants to keep (the layer inputs, say) must be wrapped in `tf.keep`: everything
 * else it creates is disposed. The caller owns the returned gradients.
 *
 * @example
 * ```ts
 * const inputs: tf.Tensor2D[] = [];
 * const [g1, g2] = probeGradients(([p1, p2]) => {
 *   inputs.push(tf.keep(x));
 *   const h = tf.relu(tf.add(tf.matMul(x, w1), tf.add(b1, p1)));
 *   inputs.push(tf.keep(h));
 *   const logits = tf.add(tf.matMul(h, w2), tf.add(b2, p2));
 *   return tf.sum(tf.losses.softmaxCrossEntropy(labels, logits, undefined, undefined, tf.Reduction.NONE));
 * }, [[n, 400], [n, 10]]);
 * ```
 */
export function probeGradients(forward: (probes: tf.Tensor[]) => tf.Scalar, probeShapes: number[][]): tf.Tensor[] {
  if (probeShapes.length === 0) {
    throw new TensorKernelsError(
      'INVALID_ARGUMENT',
      'probeShapes is empty; give one [samples, units] shape per pre-activation to probe.',
    );
  }
  requireGradients('probeGradients');
  const probes = probeShapes.map((shape) => tf.zeros(shape));
  try {
    const gradients = tf.grads((...inputs: tf.Tensor[]) => {
      const loss = forward(inputs);
      if (loss.rank !== 0) {
        throw new TensorKernelsError(
          'INVALID_ARGUMENT',
          `forward must return the loss summed over samples (a scalar), got shape [${loss.shape.join(', ')}]; wrap it in tf.sum.`,
        );
      }
      return loss;
    });
    return gradients(probes);
  } finally {
    tf.dispose(probes);
  }
}
