export { ExternalMemory } from './external-memory.js';
export type { CleanupResult, MemoryStats, ReadOptions, WriteOptions, WriteResult } from './external-memory.js';
export type { ExternalMemoryOptions, ResolvedMemoryOptions, WritePolicy } from './memory-options.js';
export { COUNTER_NAMES, MEMORY_STATE_FORMAT } from './memory-state.js';
export type { ExternalMemoryState, MemoryArrays } from './memory-state.js';
export { MemoryError } from './errors.js';
export type { MemoryErrorCode } from './errors.js';
