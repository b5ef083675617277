export { ProgressiveNetwork } from './progressive-network.js';
export type { EvaluateOptions, Evaluation, FromStateOptions } from './progressive-network.js';
export type {
  AddTaskOptions,
  ColumnDefaults,
  ExtractorFreeze,
  ProgressiveNetworkOptions,
  ResolvedNetworkOptions,
} from './network-options.js';
export { FeatureExtractor } from './feature-extractor.js';
export type {
  ConvExtractorOptions,
  FeatureExtractorOptions,
  IdentityExtractorOptions,
  MlpExtractorOptions,
} from './feature-extractor.js';
export { TaskColumn } from './task-column.js';
export type { ColumnRun, ColumnRunContext, MemoryWidths, TaskColumnDescription, TaskColumnOptions } from './task-column.js';
export { LateralAdapter } from './lateral-adapter.js';
export type { LateralDescription } from './lateral-adapter.js';
export { DenseLayer } from './layers/dense.js';
export type { LayerDescription } from './layers/dense.js';
export { Conv2dLayer } from './layers/conv.js';
export { ParameterStore } from './parameters.js';
export type { Initializer } from './parameters.js';
export { SeededRandom } from './seeded-random.js';
export type { Activation } from './activations.js';
export type { OptimizerChoice, StepInfo, TaskData, TrainOptions, TrainResult } from './training-options.js';
export type { RunOverrides } from './training-session.js';
export { NETWORK_STATE_FORMAT } from './network-state.js';
export type { NetworkConfig, NetworkDescription, ProgressiveNetworkState, TaskRecord } from './network-state.js';
export { NetworkError } from './errors.js';
export type { NetworkErrorCode } from './errors.js';
