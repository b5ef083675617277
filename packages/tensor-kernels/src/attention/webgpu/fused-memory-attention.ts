import * as tf from '@tensorflow/tfjs-core';
import { l2Normalize } from '../composite-attention.js';
import type { MemoryAttentionOptions, MemoryAttentionResult } from '../memory-attention-options.js';
import { ATTENTION_WEIGHTS, FUSED_ATTENTION, registerFusedAttentionKernels } from './fused-attention-kernels.js';

/**
 * memoryAttention through the fused WebGPU kernels. Cosine similarity normalises q and k with
 * composite ops first (their gradient is tfjs's own, on [B,H,d] and [M,H,d] only), then runs the
 * same fused scaled-dot-product kernel with scale = beta. The caller checked the backend and the
 * tiling (see planAttention).
 */
export function fusedMemoryAttention(
  query: tf.Tensor3D, // [B, H, d]
  keys: tf.Tensor3D, // [M, H, d]
  values: tf.Tensor3D, // [M, H, dv]
  options: MemoryAttentionOptions,
): MemoryAttentionResult {
  registerFusedAttentionKernels();
  const cosine = (options.similarity ?? 'dot') === 'cosine';
  const scale = cosine ? (options.beta ?? 1) : 1 / Math.sqrt(query.shape[2]);
  return tf.tidy(() => {
    const q = cosine ? l2Normalize(query) : query;
    const k = cosine ? l2Normalize(keys) : keys;
    const mask = options.mask ?? tf.ones([keys.shape[0]]);
    const engine = tf.engine();
    const [output, logSumExp] = engine.runKernel<tf.Tensor[]>(FUSED_ATTENTION, { query: q, keys: k, values, mask }, { scale });
    if (!options.returnWeights) return { output: output as tf.Tensor3D };
    const weights = engine.runKernel<tf.Tensor>(ATTENTION_WEIGHTS, { query: q, keys: k, mask, logSumExp: logSumExp! }, { scale });
    return { output: output as tf.Tensor3D, weights: weights as tf.Tensor3D };
  });
}
