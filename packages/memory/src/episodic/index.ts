export { EpisodicMemory } from './episodic-memory.js';
export type { EpisodeBatch, EpisodeSample, EpisodeTensors, EpisodicMemoryStats, EpisodicWriteResult } from './episodic-memory.js';
export { EPISODIC_WRITE_POLICIES } from './episodic-options.js';
export type { EpisodicMemoryOptions, EpisodicWritePolicy, ResolvedEpisodicOptions } from './episodic-options.js';
export type { EpisodicMemoryState } from './episodic-state.js';
export { herdingOrder } from './herding.js';
