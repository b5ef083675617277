export { StateStore } from './state-store.js';
export { stateMigrations } from './migrations.js';
export { StateError } from './errors.js';
export type { StateErrorCode } from './errors.js';
export { ByteLruCache } from './lru-cache.js';
export { checkStateId } from './names.js';
export { hashTensor, arrayTypeOf, isStateDtype } from './tensors.js';
export type { StateDtype, StateTypedArray, NamedArray, TensorLike, StateEntry, StateInput, LoadedTensor } from './tensors.js';
export { FORMAT_NAME, TENSOR_GROUP } from './hdf5-file.js';
export type {
  StateStoreOptions,
  SavePhase,
  SaveOptions,
  SavedVersion,
  VersionSelector,
  StateReference,
  TensorInfo,
  VersionInfo,
  VersionMetadata,
  LoadedState,
  LoadOptions,
  StateSummary,
  TensorDiff,
  StateDiff,
  RetentionPolicy,
  PruneReport,
} from './types.js';
