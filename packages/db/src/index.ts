export { createDatabase } from './create-database.js';
export type { CreateDatabaseOptions } from './create-database.js';
export { migrateToLatest, migrateDownAll, MIGRATION_TABLE, MIGRATION_LOCK_TABLE } from './migrate.js';
export {
  sqlDialectOf,
  parseJsonColumn,
  toJsonColumn,
  nowTimestamp,
  isLockContentionError,
  isUniqueViolation,
} from './dialect.js';
export type { SqlDialectName } from './dialect.js';
export { DatabaseError } from './errors.js';
export type { DatabaseErrorCode } from './errors.js';
export { timeOrderedId } from './ids.js';
export type { JsonValue, JsonObject } from './json.js';
export type {
  Database,
  JsonColumn,
  TimestampColumn,
  ExperimentStatus,
  ExperimentsTable,
  TrainingMetricsTable,
  StateStoresTable,
  StateVersionsTable,
  StateVersionTensorsTable,
  StateBlobsTable,
  StateTagsTable,
  ArchitecturesTable,
  TrainingStatesTable,
} from './schema.js';
export { ExperimentRepository } from './experiments/experiment-repository.js';
export type {
  Experiment,
  MetricPoint,
  CreateExperimentOptions,
  FinishExperimentOptions,
  LogMetricsOptions,
  MetricHistoryQuery,
  BestByOptions,
  BestResult,
  ListExperimentsOptions,
} from './experiments/experiment-repository.js';
export type {
  ArchiveStore,
  ArchitectureRecord,
  SaveArchitectureOptions,
  StateReference,
  TrainingStateRecord,
  SaveTrainingStateOptions,
  TrainingStateQuery,
} from './archives/archive-store.js';
export { SqlArchiveStore } from './archives/sql-archive-store.js';
export { MongoArchiveStore } from './archives/mongo-archive-store.js';
export type { MongoDbLike, MongoCollectionLike, MongoConnectOptions } from './archives/mongo-archive-store.js';
export { describeEnvironment, describeHardware } from './archives/describe-host.js';
// Re-exported so @holomind/state and apps share this package's copy of kysely's types.
export type { Kysely, Transaction } from 'kysely';
