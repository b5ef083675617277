// Not public, no semver: helpers and SQL row types that HoloMind's sibling packages
// (@holomind/state's metadata queries, migrations and tests) share with this one.
export {
  sqlDialectOf,
  parseJsonColumn,
  toJsonColumn,
  nowTimestamp,
  isLockContentionError,
  isUniqueViolation,
} from './dialect.js';
export type { SqlDialectName } from './dialect.js';
export { jsonColumnType } from './migrations/context.js';
export { migrationTablesOf } from './migrate.js';
export type {
  JsonColumn,
  TimestampColumn,
  ExperimentsTable,
  StateStoresTable,
  StateVersionsTable,
  StateVersionTensorsTable,
  StateBlobsTable,
  StateTagsTable,
  ArchitecturesTable,
  TrainingStatesTable,
} from './schema.js';
