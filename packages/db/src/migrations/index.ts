import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { MigrationContext } from './context.js';
import { experiments } from './0001-experiments.js';
import { stateMetadata } from './0002-state-metadata.js';
import { archives } from './0003-archives.js';

interface ContextualMigration {
  up(db: Kysely<unknown>, context: MigrationContext): Promise<void>;
  down(db: Kysely<unknown>, context: MigrationContext): Promise<void>;
}

// Names are the migration ids stored in holomind_migration: never rename or reorder; only append.
const ordered: Array<[string, ContextualMigration]> = [
  ['0001-experiments', experiments],
  ['0002-state-metadata', stateMetadata],
  ['0003-archives', archives],
];

/** Every migration, bound to the dialect, in the form Kysely's Migrator expects. */
export function holomindMigrations(context: MigrationContext): Record<string, Migration> {
  return Object.fromEntries(
    ordered.map(([name, migration]) => [
      name,
      { up: (db: Kysely<unknown>) => migration.up(db, context), down: (db: Kysely<unknown>) => migration.down(db, context) },
    ]),
  );
}
