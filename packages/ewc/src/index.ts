export { EwcConsolidator } from './ewc-consolidator.js';
export type { ConsolidationSummary } from './ewc-consolidator.js';
export { computeFisher } from './fisher/compute-fisher.js';
export type { FisherResult } from './fisher/compute-fisher.js';
export type {
  ConsolidateOptions,
  ConsolidationData,
  EwcMode,
  EwcOptions,
  FisherKind,
  Likelihood,
  ResolvedEwcOptions,
} from './options.js';
export type { EwcTarget, NamedParameter } from './targets.js';
export type { LossFunction, LossName } from './base-loss.js';
export type { EwcState, EwcStateMeta } from './state.js';
export { EwcError } from './errors.js';
export type { EwcErrorCode } from './errors.js';
