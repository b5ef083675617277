import type { JsonObject } from '@holomind/core';

/** One saved version of a model architecture. */
export interface ArchitectureRecord {
  id: string;
  name: string;
  /** 1 for the first save of `name`, then 2, 3, ... */
  version: number;
  /** The version this one evolved from; null for the first. */
  previousId: string | null;
  document: JsonObject;
  description: string;
  createdAt: Date;
}

/** Options of {@link ArchiveStore.saveArchitecture}. */
export interface SaveArchitectureOptions {
  name: string;
  /** The architecture as JSON (e.g. a tfjs `model.toJSON()` topology, or your own layer list). */
  document: JsonObject;
  description?: string;
  /**
   * The version this one evolves from (same name). Defaults to the latest version of `name`;
   * pass an older id to branch.
   */
  previousId?: string;
}

/** Reference to a version saved by `@holomind/state`'s StateStore (its `StateReference`, as archived here). */
export interface ArchivedStateReference {
  stateId: string;
  version: number;
}

/** An archived training state with the environment and hardware it ran on. */
export interface TrainingStateRecord {
  id: string;
  architectureId: string | null;
  experimentId: string | null;
  state: ArchivedStateReference | null;
  environment: JsonObject;
  hardware: JsonObject;
  metrics: Record<string, number>;
  description: string;
  createdAt: Date;
}

/** Options of {@link ArchiveStore.saveTrainingState}. */
export interface SaveTrainingStateOptions {
  architectureId?: string;
  experimentId?: string;
  state?: ArchivedStateReference;
  /** Defaults to `describeEnvironment()`. */
  environment?: JsonObject;
  /** Defaults to `describeHardware()`. */
  hardware?: JsonObject;
  metrics?: Record<string, number>;
  description?: string;
}

/** Filter of {@link ArchiveStore.listTrainingStates}. */
export interface TrainingStateQuery {
  architectureId?: string;
  experimentId?: string;
}

/**
 * Model architectures with a version chain, and archived training states. Implemented over SQL
 * (`SqlArchiveStore`, the default) and MongoDB (`MongoArchiveStore`); both pass one conformance suite.
 */
export interface ArchiveStore {
  /** Saves a new version of an architecture, linked to the previous version of the same name. */
  saveArchitecture(options: SaveArchitectureOptions): Promise<ArchitectureRecord>;
  /** One version; throws NOT_FOUND for an unknown id. */
  getArchitecture(id: string): Promise<ArchitectureRecord>;
  /** The newest version of `name`, or undefined when none was saved. */
  latestArchitecture(name: string): Promise<ArchitectureRecord | undefined>;
  /** The chain of versions that led to `id`, oldest first, ending with `id` itself. */
  evolution(id: string): Promise<ArchitectureRecord[]>;
  /** Archives a training state; a given `architectureId` must exist. */
  saveTrainingState(options: SaveTrainingStateOptions): Promise<TrainingStateRecord>;
  /** One archived training state; throws NOT_FOUND for an unknown id. */
  getTrainingState(id: string): Promise<TrainingStateRecord>;
  /** Archived training states, oldest first. */
  listTrainingStates(query?: TrainingStateQuery): Promise<TrainingStateRecord[]>;
}
