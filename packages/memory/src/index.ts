export { ExternalMemory } from './external-memory.js';
export type { CleanupResult, MemoryOperation, MemoryStats, ReadOptions, WriteOptions, WriteResult } from './external-memory.js';
export type { ExternalMemoryOptions, ResolvedMemoryOptions, WritePolicy } from './memory-options.js';
export { COUNTER_NAMES, MEMORY_STATE_FORMAT } from './memory-state.js';
export type { ExternalMemoryState, MemoryArrays } from './memory-state.js';
export { MemoryError } from './errors.js';
export type { MemoryErrorCode } from './errors.js';
export { EpisodicMemory, EPISODIC_WRITE_POLICIES, herdingOrder } from './episodic/index.js';
export type {
  EpisodeBatch,
  EpisodeSample,
  EpisodeTensors,
  EpisodicMemoryOptions,
  EpisodicMemoryState,
  EpisodicMemoryStats,
  EpisodicWritePolicy,
  EpisodicWriteResult,
  ResolvedEpisodicOptions,
} from './episodic/index.js';
export {
  crossEntropyOfLabels,
  darkExperienceReplayLoss,
  distillationLoss,
  experienceReplayLoss,
  inferTasks,
  NearestMeanClassifier,
} from './replay/index.js';
export type { DarkReplayWeights, TaskInferenceOptions } from './replay/index.js';
