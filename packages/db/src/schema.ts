import type { ColumnType } from 'kysely';

/**
 * A JSON document column: `jsonb` on PostgreSQL (reads back parsed), `text` on SQLite (reads back
 * as a string). Always write `JSON.stringify(value)`; read through `parseJsonColumn`.
 */
export type JsonColumn = ColumnType<unknown, string, string>;

/** ISO-8601 UTC timestamps (`2025-01-31T12:00:00.000Z`), stored as text so they sort and compare on every dialect. */
export type TimestampColumn = ColumnType<string, string, string>;

/** Experiment lifecycle: `running` until `finish` sets one of the others. */
export type ExperimentStatus = 'running' | 'completed' | 'failed' | 'stopped' | 'crashed';

/** `holomind_experiments`: one training run. */
export interface ExperimentsTable {
  id: string;
  name: string;
  status: ExperimentStatus;
  started_at: TimestampColumn;
  ended_at: ColumnType<string | null, string | null | undefined, string | null>;
  hyperparameters: JsonColumn;
  /** Final or summary metrics written by `finish`. */
  metrics: JsonColumn;
  /** The data the run trained on (versions and statistics), written by `recordDataVersions`; NULL before. */
  data_versions: ColumnType<unknown, string | null | undefined, string | null>;
  /** Who runs it (`<host>:<pid>`), so a later start can tell a run that died from one still going; null when not given. */
  owner: ColumnType<string | null, string | null | undefined, string | null>;
}

/** `holomind_state_stores` (created by `@holomind/state`'s `stateMigrations`): one row per named StateStore; its `commits` counter is the store's write lock. */
export interface StateStoresTable {
  name: string;
  created_at: TimestampColumn;
  commits: number;
  /** Random identity of this database, recorded in the store directory's marker so a folder serves one database. */
  database_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** `holomind_state_versions`: one committed version of one state, pointing at its HDF5 file. */
export interface StateVersionsTable {
  store_name: string;
  state_id: string;
  version: number;
  /** HDF5 file written for this version, relative to the store directory. */
  file: string;
  created_at: TimestampColumn;
  description: string;
  metrics: JsonColumn;
  /** Non-tensor values saved with the state. */
  state_values: JsonColumn;
  /** Version this one restored (rollback), or null. */
  restored_from: number | null;
  /** Sum of the tensors' byte lengths. */
  byte_length: number;
  /** 1 when the version's own file holds every tensor; null for versions linking into other files. */
  self_contained: ColumnType<number | null, number | null | undefined, number | null>;
}

/** `holomind_state_version_tensors`: which content hash each named tensor of a version has. */
export interface StateVersionTensorsTable {
  store_name: string;
  state_id: string;
  version: number;
  name: string;
  hash: string;
}

/** `holomind_state_blobs`: where the bytes of one content hash live (file and dataset path). */
export interface StateBlobsTable {
  store_name: string;
  hash: string;
  /** Hash of dtype, shape and sampled bytes: different fingerprints prove different content without reading it all. */
  fingerprint: string;
  file: string;
  dataset: string;
  dtype: string;
  shape: JsonColumn;
  byte_length: number;
}

/** `holomind_state_tags`: a tag names one version of a state; tagging again moves it. */
export interface StateTagsTable {
  store_name: string;
  state_id: string;
  tag: string;
  version: number;
  created_at: TimestampColumn;
}

/** `holomind_architectures`: model architecture documents, each linked to the previous version of the same name. */
export interface ArchitecturesTable {
  id: string;
  name: string;
  version: number;
  previous_id: string | null;
  document: JsonColumn;
  description: string;
  created_at: TimestampColumn;
}

/** `holomind_training_states`: archived training states with their environment and hardware. */
export interface TrainingStatesTable {
  id: string;
  architecture_id: string | null;
  experiment_id: string | null;
  state_id: string | null;
  state_version: number | null;
  environment: JsonColumn;
  hardware: JsonColumn;
  metrics: JsonColumn;
  description: string;
  created_at: TimestampColumn;
}

/**
 * The tables of `experimentMigrations`, `archiveMigrations` and `@holomind/state`'s
 * `stateMigrations`, for `Kysely<Database>`. State's row types are declared here (types only, no
 * import of state) so one `Kysely<Database>` from `createDatabase` serves the StateStore too.
 */
export interface Database {
  holomind_experiments: ExperimentsTable;
  holomind_state_stores: StateStoresTable;
  holomind_state_versions: StateVersionsTable;
  holomind_state_version_tensors: StateVersionTensorsTable;
  holomind_state_blobs: StateBlobsTable;
  holomind_state_tags: StateTagsTable;
  holomind_architectures: ArchitecturesTable;
  holomind_training_states: TrainingStatesTable;
}
