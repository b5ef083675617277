export { ProgressiveNetwork } from './progressive-network.js';
export type { EvaluateOptions, Evaluation, FromStateOptions } from './progressive-network.js';
export type {
  AddTaskOptions,
  ColumnDefaults,
  ExtractorFreeze,
  ProgressiveNetworkOptions,
  ResolvedNetworkOptions,
} from './network-options.js';
export type {
  ConvExtractorOptions,
  FeatureExtractor,
  FeatureExtractorOptions,
  IdentityExtractorOptions,
  MlpExtractorOptions,
} from './feature-extractor.js';
export type { TaskColumn, TaskColumnDescription, TaskColumnOptions } from './task-column.js';
export type { LateralDescription } from './lateral-adapter.js';
export type { LayerDescription } from './layers/dense.js';
export type { Activation } from './activations.js';
export type { KernelRoute } from './layers/dense-op.js';
export type { OptimizerChoice, RegularizerBatch, StepInfo, TaskData, TrainOptions, TrainResult } from './training-options.js';
export type { RunOverrides, TrainingSessionState, OptimizerWeight } from './training-session.js';
export type { TaskTrainingData } from './task-data.js';
export { NETWORK_STATE_FORMAT } from './network-state.js';
export type { ColumnRecord, NetworkConfig, NetworkDescription, ProgressiveNetworkState } from './network-state.js';
export { NetworkError } from './errors.js';
export type { NetworkErrorCode } from './errors.js';
