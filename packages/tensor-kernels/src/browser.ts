// The browser entry of @holomind/tensor-kernels (package.json `exports` condition "browser"): the
// kernels, their errors and types, without initBackend. initBackend's loaders reach Node built-ins
// (the wasm binaries' folder, Dawn) and import backend packages by a computed name, which a bundler
// cannot follow; a page imports its backend package itself and calls `tf.setBackend`.
export { BACKEND_NAMES } from './backends/backend-info.js';
export type { AdapterDescription, BackendInfo, BackendName } from './backends/backend-info.js';
export { memoryAttention } from './attention/memory-attention.js';
export type {
  KernelImplementation,
  MemoryAttentionOptions,
  MemoryAttentionResult,
  Similarity,
} from './attention/memory-attention-options.js';
export { fisherDiagonal } from './fisher/fisher-diagonal.js';
export type { DenseFisher, FisherDiagonalOptions } from './fisher/fisher-diagonal.js';
export { probeGradients } from './fisher/probe-gradients.js';
export { ATTENTION_WEIGHTS, FUSED_ATTENTION } from './attention/webgpu/fused-attention-kernels.js';
export { TensorKernelsError } from './errors.js';
export type { TensorKernelsErrorCode } from './errors.js';
export { resolveTrainingData, trainingTensors } from './training-data.js';
export type {
  DatasetLike,
  InputsAndLabels,
  ResolvedTrainingData,
  TrainingData,
  TrainingElement,
  XsAndYs,
} from './training-data.js';
export { addMany } from './backends/add-many.js';
export { productWithTransposed, transposedProduct, transposeMatrix } from './backends/transpose-matrix.js';
export { fusedAdam, FusedAdamOptimizer } from './optimizers/fused-adam.js';
export { normalizeRows, normalizeRowsGradient, softmaxGradient, trackReadWeights } from './attention/read-ops.js';
export { cacheVariablesOnHost } from './backends/host-copies.js';
export { gatherRows, gatherTensorRows } from './backends/gather-rows.js';
