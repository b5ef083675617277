import type { JsonValue } from '@holomind/core';
import type { Database, Kysely } from '@holomind/db';
import type { LoadedTensor, StateDtype } from './tensors.js';

/** Moments of `StateStore.save`, in order, reported to `onSavePhase`. */
export type SavePhase = 'prepared' | 'file-written' | 'file-published' | 'committed';

/** Options of the {@link StateStore} constructor. */
export interface StateStoreOptions {
  /** Folder for the HDF5 files (created if missing). It belongs to this store alone. */
  directory: string;
  /** A Kysely instance from `createDatabase` of `@holomind/db`; the caller owns and destroys it. */
  db: Kysely<Database>;
  /** Budget of the in-memory LRU cache of loaded tensors, in bytes (default 256 MiB; 0 disables it). */
  cacheBytes?: number;
  /** Name separating several stores in one database (default `default`). */
  storeName?: string;
  /** Run `migrateToLatest(db)` before first use (default true). */
  migrate?: boolean;
  /**
   * Called at each phase of every save, and awaited: progress reporting, and fault injection in
   * tests. An error it throws fails the save like any other error at that point.
   */
  onSavePhase?: (phase: SavePhase, detail: { stateId: string; file: string }) => void | Promise<void>;
}

/** Options of `StateStore.save`. */
export interface SaveOptions {
  description?: string;
  /** Numbers describing this version, e.g. `{ accuracy: 0.97 }`; finite values only. */
  metrics?: Record<string, number>;
  /** Tags pointing at the new version (a tag already on another version of the state moves). */
  tags?: string[];
}

/** What `save` and `rollback` return. */
export interface SavedVersion {
  stateId: string;
  version: number;
  createdAt: Date;
  /** The version's HDF5 file, relative to the store directory. */
  file: string;
  tensorCount: number;
  /** Tensor bytes written into the new file. */
  writtenBytes: number;
  /** Tensor bytes linked to an earlier version instead of written: always 0 now that every version is self-contained (kept for compatibility). */
  reusedBytes: number;
}

/** Picks a version of a state: by number, by tag, or (neither) the latest. */
export interface VersionSelector {
  version?: number;
  tag?: string;
}

/** A state and optionally which version of it. */
export interface StateReference extends VersionSelector {
  stateId: string;
}

/** One tensor of a version, without its data. */
export interface TensorInfo {
  name: string;
  dtype: StateDtype;
  shape: number[];
  /** SHA-256 over dtype, shape and bytes. */
  hash: string;
  byteLength: number;
}

/** One version as `history` lists it. */
export interface VersionInfo {
  stateId: string;
  version: number;
  createdAt: Date;
  description: string;
  metrics: Record<string, number>;
  tags: string[];
  /** The version this one restored, for versions made by `rollback`. */
  restoredFrom: number | null;
  /** Sum of the tensors' byte lengths (shared content counted in full). */
  byteLength: number;
  /** The version's HDF5 file, relative to the store directory. */
  file: string;
}

/** Everything about one version except the tensor data. */
export interface VersionMetadata extends VersionInfo {
  tensors: TensorInfo[];
  values: Record<string, JsonValue>;
}

/** What `load` returns. */
export interface LoadedState {
  stateId: string;
  version: number;
  tensors: Record<string, LoadedTensor>;
  values: Record<string, JsonValue>;
  metadata: VersionMetadata;
}

/** Options of `load`. */
export interface LoadOptions extends VersionSelector {
  /**
   * Recompute every tensor's SHA-256 and compare with the metadata (costs ~0.6 s per GiB, once per
   * tensor per process); a mismatch throws `CORRUPT_FILE` naming the file.
   */
  verify?: boolean;
}

/** One state as `list` reports it. */
export interface StateSummary {
  stateId: string;
  latestVersion: number;
  versionCount: number;
  updatedAt: Date;
}

/** How one tensor differs between two versions. */
export interface TensorDiff {
  name: string;
  /** `reshaped` covers a changed shape or dtype, where no norm is defined. */
  status: 'added' | 'removed' | 'unchanged' | 'changed' | 'reshaped';
  /** ||b - a||_2, computed in float64; null unless both exist with one shape and dtype. */
  l2: number | null;
  /** ||b - a||_2 / ||a||_2; null when not comparable or ||a|| = 0 with a change. */
  relativeL2: number | null;
  /** max |b - a|. */
  maxAbs: number | null;
}

/** What `diff` returns. */
export interface StateDiff {
  from: { stateId: string; version: number };
  to: { stateId: string; version: number };
  tensors: TensorDiff[];
  values: Array<{ name: string; status: 'added' | 'removed' | 'unchanged' | 'changed' }>;
}

/** Which versions `prune` removes. The latest version of a state is never removed. */
export interface VersionRetentionPolicy {
  /** Only this state (default: every state of the store). */
  stateId?: string;
  /** Keep this many newest versions per state (default: all). */
  keepLast?: number;
  /** Remove only versions created before this time (default: any age). */
  olderThan?: Date;
  /** Keep tagged versions (default true). */
  keepTagged?: boolean;
  /**
   * Files that no metadata row references (left by a crash between publishing a file and
   * committing its row) are deleted once older than this (default 15 minutes), so saves still
   * in flight in other processes are never touched.
   */
  orphanGraceMs?: number;
}

/** What `prune` did. */
export interface PruneReport {
  removedVersions: Array<{ stateId: string; version: number }>;
  /** Files deleted, relative to the store directory (orphans included). */
  removedFiles: string[];
  freedBytes: number;
}

/** One damaged version as `verify` reports it. */
export interface DamagedVersion {
  stateId: string;
  version: number;
  /** The files (relative to the store directory) whose content is missing, unreadable or wrong. */
  files: string[];
  /** One line per damaged tensor: its name and what is wrong. */
  problems: string[];
}

/** What `verify` (the scrub) found. */
export interface VerifyReport {
  checkedVersions: number;
  checkedTensors: number;
  /** Every version with at least one tensor that is missing, unreadable or does not match its hash. */
  damaged: DamagedVersion[];
}
