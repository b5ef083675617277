// The public surface of @holomind/state: exactly what README.md documents (its "Exports" table).
export { StateStore } from './state-store.js';
export { stateMigrations } from './migrations.js';
export { StateError } from './errors.js';
export type { StateErrorCode } from './errors.js';
export type { StateDtype, StateTypedArray, NamedArray, TensorLike, StateEntry, StateInput, LoadedTensor } from './tensors.js';
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
  VersionRetentionPolicy,
  PruneReport,
  VerifyReport,
  DamagedVersion,
} from './types.js';
