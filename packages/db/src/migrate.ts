import type { Kysely } from 'kysely';
import { Migrator, NO_MIGRATIONS, type MigrationResult } from 'kysely/migration';
import { sqlDialectOf } from './dialect.js';
import { DatabaseError } from './errors.js';
import { holomindMigrations } from './migrations/index.js';

/** Kysely's bookkeeping tables for HoloMind's migrations, prefixed so they never meet the user's own. */
export const MIGRATION_TABLE = 'holomind_migration';
export const MIGRATION_LOCK_TABLE = 'holomind_migration_lock';

function migratorFor<DB>(db: Kysely<DB>): Migrator {
  const migrations = holomindMigrations({ dialect: sqlDialectOf(db) });
  return new Migrator({
    db: db as unknown as Kysely<unknown>,
    provider: { getMigrations: async () => migrations },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
}

function check(results: MigrationResult[] | undefined, error: unknown, direction: string): string[] {
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? '(before any migration)';
    throw new DatabaseError(
      'MIGRATION_FAILED',
      `Migrating ${direction} failed at ${failed}: ${(error as Error).message ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/**
 * Creates or upgrades every HoloMind table (experiments, training metrics, state metadata,
 * architectures, training states) inside one Kysely migration run. Safe to call on every start:
 * returns the names of the migrations it applied (empty when already up to date).
 *
 * @example
 * const db = await createDatabase('sqlite:./holomind.db');
 * await migrateToLatest(db);
 */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  const { results, error } = await migratorFor(db).migrateToLatest();
  return check(results, error, 'to the latest schema');
}

/** Undoes every HoloMind migration (drops the tables and their data). For tests and uninstalling. */
export async function migrateDownAll<DB>(db: Kysely<DB>): Promise<string[]> {
  const { results, error } = await migratorFor(db).migrateTo(NO_MIGRATIONS);
  return check(results, error, 'down');
}
