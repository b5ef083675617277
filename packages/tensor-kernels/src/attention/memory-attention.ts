import type * as tf from '@tensorflow/tfjs-core';
import { chooseImplementation } from '../implementation.js';
import { webgpuBackend } from '../webgpu/webgpu-program.js';
import { compositeMemoryAttention } from './composite-attention.js';
import type { MemoryAttentionOptions, MemoryAttentionResult } from './memory-attention-options.js';
import { validateAttention } from './validate-attention.js';
import { planAttention, unplannableReason } from './webgpu/attention-plan.js';
import { fusedMemoryAttention } from './webgpu/fused-memory-attention.js';

/**
 * Attention of every query over every memory slot, per head: softmax(similarity(q, k)) · v.
 * Differentiable with respect to query, keys and values. On the webgpu backend `auto` runs the
 * fused WGSL kernels (no [B, H, M] tensor unless `returnWeights`); elsewhere composite ops.
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
  const sizes = validateAttention(query, keys, values, options);
  const implementation = chooseImplementation(options.implementation, 'memoryAttention', () =>
    planAttention(webgpuBackend(), sizes) ? undefined : unplannableReason(webgpuBackend(), sizes.keyDim, sizes.valueDim),
  );
  return implementation === 'fused'
    ? fusedMemoryAttention(query, keys, values, options)
    : compositeMemoryAttention(query, keys, values, options);
}
