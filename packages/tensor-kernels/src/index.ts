export { initBackend, disposeBackend, currentBackend } from './init-backend.js';
export type { InitBackendOptions } from './init-backend.js';
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
export { cacheVariablesOnHost } from './backends/host-copies.js';
export { addMany } from './backends/add-many.js';
export { productWithTransposed, transposedProduct, transposeMatrix } from './backends/transpose-matrix.js';
export { fusedAdam, FusedAdamOptimizer } from './optimizers/fused-adam.js';
export { normalizeRows, normalizeRowsGradient, softmaxGradient, trackReadWeights } from './attention/read-ops.js';
export { gatherRows, gatherTensorRows } from './backends/gather-rows.js';
