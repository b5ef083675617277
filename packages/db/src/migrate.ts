import type { Kysely } from 'kysely';
import { Migrator, NO_MIGRATIONS, type Migration, type MigrationResult, type MigrationResultSet } from 'kysely/migration';
import { sqlDialectOf } from './dialect.js';
import { DatabaseError } from './errors.js';
import { archiveMigrations } from './migrations/archive-migrations.js';
import type { MigrationContext, MigrationSet } from './migrations/context.js';
import { experimentMigrations } from './migrations/experiment-migrations.js';

/** Options of {@link migrateToLatest} and {@link migrateDownAll}. */
export interface MigrateOptions {
  /**
   * The packages' migration sets, applied in this order (list a set after the sets whose tables it
   * references). Default: this package's own, `[experimentMigrations, archiveMigrations]`.
   */
  migrations?: readonly MigrationSet[];
}

const namespacePattern = /^[a-z][a-z0-9_]{0,39}$/;

/** Kysely's bookkeeping tables of one migration set, prefixed so they never meet the user's own. */
export function migrationTablesOf(namespace: string): { table: string; lockTable: string } {
  return { table: `holomind_${namespace}_migration`, lockTable: `holomind_${namespace}_migration_lock` };
}

function checkSets(sets: readonly MigrationSet[]): void {
  const seen = new Set<string>();
  for (const set of sets) {
    if (!namespacePattern.test(set?.namespace ?? '')) {
      throw new DatabaseError(
        'INVALID_ARGUMENT',
        `Migration set namespace ${JSON.stringify(set?.namespace)} must be 1-40 lowercase letters, digits or '_', starting with a letter.`,
      );
    }
    if (seen.has(set.namespace)) {
      throw new DatabaseError('INVALID_ARGUMENT', `Migration set '${set.namespace}' is listed twice; list each set once.`);
    }
    seen.add(set.namespace);
  }
}

function migratorFor<DB>(db: Kysely<DB>, set: MigrationSet, context: MigrationContext): Migrator {
  const bound: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(set.migrations)) {
    bound[name] = { up: (kysely) => migration.up(kysely, context), down: (kysely) => migration.down(kysely, context) };
  }
  const tables = migrationTablesOf(set.namespace);
  return new Migrator({
    db: db as unknown as Kysely<unknown>,
    provider: { getMigrations: async () => bound },
    migrationTableName: tables.table,
    migrationLockTableName: tables.lockTable,
  });
}

function appliedNames(set: MigrationSet, outcome: MigrationResultSet, direction: string): string[] {
  const { results, error } = outcome;
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? '(before any migration)';
    throw new DatabaseError(
      'MIGRATION_FAILED',
      `Migrating ${direction} failed at ${set.namespace}/${failed}: ${(error as Error).message ?? String(error)}`,
      { cause: error },
    );
  }
  return (results ?? [])
    .filter((result: MigrationResult) => result.status === 'Success')
    .map((result) => `${set.namespace}/${result.migrationName}`);
}

/**
 * Creates or upgrades the tables of every given migration set, set after set, each through its
 * own Kysely migrator. The dialect is detected once (`sqlDialectOf`) and handed to every
 * migration. Safe to call on every start: returns the applied migrations as `namespace/name`
 * (empty when already up to date).
 *
 * @example
 * const db = await createDatabase('sqlite:./holomind.db');
 * await migrateToLatest(db, { migrations: [experimentMigrations, stateMigrations, metricMigrations] });
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, options: MigrateOptions = {}): Promise<string[]> {
  const sets = options.migrations ?? [experimentMigrations, archiveMigrations];
  checkSets(sets);
  const context: MigrationContext = { dialect: sqlDialectOf(db) };
  const applied: string[] = [];
  for (const set of sets) {
    applied.push(...appliedNames(set, await migratorFor(db, set, context).migrateToLatest(), 'to the latest schema'));
  }
  return applied;
}

/** Undoes every migration of the given sets, last set first (drops their tables and data). For tests and uninstalling. */
export async function migrateDownAll<DB>(db: Kysely<DB>, options: MigrateOptions = {}): Promise<string[]> {
  const sets = options.migrations ?? [experimentMigrations, archiveMigrations];
  checkSets(sets);
  const context: MigrationContext = { dialect: sqlDialectOf(db) };
  const undone: string[] = [];
  for (const set of [...sets].reverse()) {
    undone.push(...appliedNames(set, await migratorFor(db, set, context).migrateTo(NO_MIGRATIONS), 'down'));
  }
  return undone;
}
