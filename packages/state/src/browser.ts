// The browser entry of @holomind/state (package.json `exports` condition "browser"): its error
// class and the types of stored state. The StateStore itself writes HDF5 files through Node's fs
// and SQL rows through a Node driver, so it is left out; a page keeps its checkpoints in the
// browser (IndexedDB or OPFS) and uses these types to describe them.
export { StateError } from './errors.js';
export type { StateErrorCode } from './errors.js';
export type { StateDtype, StateTypedArray, NamedArray, TensorLike, StateEntry, StateInput, LoadedTensor } from './tensors.js';
export type { SavedVersion, VersionInfo, VersionMetadata, LoadedState } from './types.js';
