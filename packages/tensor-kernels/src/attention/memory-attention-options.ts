import type * as tf from '@tensorflow/tfjs-core';

/** How a query is compared with a memory key. */
export type Similarity = 'dot' | 'cosine';

/** Which implementation runs: `auto` picks the fused kernel where the backend has one. */
export type KernelImplementation = 'auto' | 'fused' | 'composite';

/** Options of {@link memoryAttention}. */
export interface MemoryAttentionOptions {
  /**
   * `dot`: q·k / sqrt(d) (scaled dot product). `cosine`: beta · cos(q, k), the content-based read of
   * Neural Turing Machines and Memory-Augmented Neural Networks. Default `dot`.
   */
  similarity?: Similarity;
  /** Key strength for `cosine`: larger is sharper. Default 1. Must be finite and positive. */
  beta?: number;
  /** [M] float32, 1 for a filled slot and 0 for an empty one. A query seeing only empty slots reads zeros. */
  mask?: tf.Tensor1D;
  /** Also return the attention weights [B, H, M]; they are only materialised when asked for. */
  returnWeights?: boolean;
  /** Default `auto`. */
  implementation?: KernelImplementation;
}

/** What {@link memoryAttention} returns; the caller owns (and disposes) every tensor. */
export interface MemoryAttentionResult {
  /** [B, H, dv]: the weighted sum of values for each query and head. */
  output: tf.Tensor3D;
  /** [B, H, M]: present only when `returnWeights` was set. */
  weights?: tf.Tensor3D;
}
