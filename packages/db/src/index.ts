export { createDatabase } from './create-database.js';
export type { CreateDatabaseOptions } from './create-database.js';
export { migrateToLatest, migrateDownAll } from './migrate.js';
export type { MigrateOptions } from './migrate.js';
export { experimentMigrations } from './migrations/experiment-migrations.js';
export { archiveMigrations } from './migrations/archive-migrations.js';
export type { MigrationSet, HoloMindMigration, MigrationContext } from './migrations/context.js';
export type { SqlDialectName } from './dialect.js';
export { DatabaseError } from './errors.js';
export type { DatabaseErrorCode } from './errors.js';
export type { Database, ExperimentStatus } from './schema.js';
export { ExperimentRepository } from './experiments/experiment-repository.js';
export type {
  Experiment,
  CreateExperimentOptions,
  FinishExperimentOptions,
  ListExperimentsOptions,
} from './experiments/experiment-repository.js';
export type {
  ArchiveStore,
  ArchitectureRecord,
  SaveArchitectureOptions,
  ArchivedStateReference,
  TrainingStateRecord,
  SaveTrainingStateOptions,
  TrainingStateQuery,
} from './archives/archive-store.js';
export { SqlArchiveStore } from './archives/sql-archive-store.js';
export { MongoArchiveStore } from './archives/mongo-archive-store.js';
export type { MongoDbLike, MongoCollectionLike, MongoConnectOptions } from './archives/mongo-archive-store.js';
export { describeEnvironment, describeHardware } from './archives/describe-host.js';
export type { JsonValue, JsonObject } from '@holomind/core';
// Re-exported so @holomind/state and apps share this package's copy of kysely's types.
export type { Kysely, Transaction } from 'kysely';
// Kept for @holomind/state's save-version.ts and state-store.ts, which import them from here;
// they also live in ./internal, where state should take them from next (then they leave this list).
export { nowTimestamp, toJsonColumn, isLockContentionError } from './dialect.js';
export { studyMigrations } from './migrations/study-migrations.js';
export { StudyRepository } from './studies/study-repository.js';
export type {
  Study,
  Trial,
  TrialRun,
  CreateStudyOptions,
  RecordTrialRunOptions,
  UpdateTrialOptions,
} from './studies/study-repository.js';
export type { StudyStatus, TrialStatus } from './studies/study-schema.js';
