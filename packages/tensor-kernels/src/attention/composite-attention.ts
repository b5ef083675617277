import * as tf from '@tensorflow/tfjs-core';
import type { MemoryAttentionOptions, MemoryAttentionResult } from './memory-attention-options.js';

// Smallest norm a cosine similarity divides by: keeps zero vectors (fresh memory slots) finite.
export const COSINE_EPSILON = 1e-8;

/** x / max(|x|, COSINE_EPSILON) along the last axis; differentiable with tfjs's own gradients. */
export function l2Normalize(x: tf.Tensor3D): tf.Tensor3D {
  const norm = tf.maximum(tf.norm(x, 'euclidean', -1, true), COSINE_EPSILON);
  return tf.div(x, norm);
}

/**
 * memoryAttention composed from built-in ops; runs on every backend and is what the fused kernels
 * are checked against. Materialises the [B, H, M] scores (several times, in the gradient too).
 */
export function compositeMemoryAttention(
  query: tf.Tensor3D, // [B, H, d]
  keys: tf.Tensor3D, // [M, H, d]
  values: tf.Tensor3D, // [M, H, dv]
  options: MemoryAttentionOptions,
): MemoryAttentionResult {
  const similarity = options.similarity ?? 'dot';
  const beta = options.beta ?? 1;
  const keyDim = query.shape[2];
  return tf.tidy(() => {
    const q = similarity === 'cosine' ? l2Normalize(query) : query;
    const k = similarity === 'cosine' ? l2Normalize(keys) : keys;
    const scale = similarity === 'cosine' ? beta : 1 / Math.sqrt(keyDim);
    // Heads first so each head is one batched matmul: [H, B, d] x [H, M, d]^T -> [H, B, M].
    const scores = tf.mul(tf.matMul(tf.transpose(q, [1, 0, 2]), tf.transpose(k, [1, 0, 2]), false, true), scale);
    let weights: tf.Tensor3D;
    if (options.mask) {
      // Masked softmax that reads zeros when every slot is empty (instead of NaN).
      const filled = tf.greater(options.mask, 0); // [M], broadcast over [H, B, M]
      const masked = tf.where(filled, scores, tf.fill(scores.shape, -3.4e38));
      const shifted = tf.sub(masked, tf.max(masked, -1, true));
      const exps = tf.where(filled, tf.exp(shifted), tf.zerosLike(shifted));
      // With any slot filled each row sums to >= 1 (its max contributes exp(0)); with none, every
      // row sums to 0 and is divided by 1, which keeps its gradient 0 instead of 0/0.
      const noSlotFilled = tf.cast(tf.equal(tf.sum(tf.cast(filled, 'float32')), 0), 'float32');
      weights = tf.div(exps, tf.add(tf.sum(exps, -1, true), noSlotFilled)) as tf.Tensor3D;
    } else {
      weights = tf.softmax(scores) as tf.Tensor3D;
    }
    const output = tf.transpose(tf.matMul(weights, tf.transpose(values, [1, 0, 2])), [1, 0, 2]) as tf.Tensor3D;
    if (!options.returnWeights) return { output };
    return { output, weights: tf.transpose(weights, [1, 0, 2]) as tf.Tensor3D };
  });
}
