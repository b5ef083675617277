import type * as tf from '@tensorflow/tfjs-core';
import { compositeMemoryAttention } from './composite-attention.js';
import type { MemoryAttentionOptions, MemoryAttentionResult } from './memory-attention-options.js';
import { validateAttention } from './validate-attention.js';

/**
 * Attention of every query over every memory slot, per head: softmax(similarity(q, k)) · v.
 * Differentiable with respect to query, keys and values.
 *
 * @example
 * ```ts
 * const { output, weights } = memoryAttention(query, keys, values, { similarity: 'cosine', beta: 5, returnWeights: true });
 * ```
 * @param query [B, H, d]
 * @param keys [M, H, d]
 * @param values [M, H, dv]
 */
export function memoryAttention(
  query: tf.Tensor3D,
  keys: tf.Tensor3D,
  values: tf.Tensor3D,
  options: MemoryAttentionOptions = {},
): MemoryAttentionResult {
  validateAttention(query, keys, values, options);
  return compositeMemoryAttention(query, keys, values, options);
}
