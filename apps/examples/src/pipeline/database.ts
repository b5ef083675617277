import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { maskUrlCredentials } from '@holomind/core';
import { createDatabase, experimentMigrations, migrateToLatest, type Database, type Kysely } from '@holomind/db';
import { metricMigrations } from '@holomind/monitoring';
import { stateMigrations } from '@holomind/state';
import { CliError } from '../errors.js';
import { describeDatabaseFailure } from './database-failure.js';

/** Every table a run uses, one migration set per owning package, applied by `@holomind/db`'s one migrator. */
export const RUN_MIGRATIONS = [experimentMigrations, stateMigrations, metricMigrations];

/**
 * Refuses a database URL that cannot outlive the process: an in-memory or temporary SQLite
 * database would take the run's experiment, metrics and checkpoint metadata with it when the
 * command ends (the checkpoints' files would stay, unreachable).
 */
export function checkDatabaseHoldsRuns(url: string): void {
  if (!url.startsWith('sqlite:')) return;
  const file = url.slice('sqlite:'.length);
  const [location = '', query = ''] = file.split('?');
  const inMemory =
    location === ':memory:' || location === '' || location.startsWith('file::memory:') || /(^|&)mode=memory(&|$)/.test(query);
  if (inMemory) {
    throw new CliError(
      'DATABASE_CANNOT_HOLD_RUN',
      `The database ${maskUrlCredentials(url)} lives in memory (or is temporary) and vanishes when the command ends, taking the run's experiment, metrics and checkpoint list with it. Nothing was trained. Use a file, e.g. --db sqlite:.holomind/holomind.db, or a PostgreSQL URL.`,
    );
  }
}

/**
 * Opens and migrates the experiment database, failing before any training when it cannot be
 * reached. `sqlite:` paths are relative to the working directory; their folder is created.
 */
export async function openDatabase(url: string): Promise<Kysely<Database>> {
  checkDatabaseHoldsRuns(url);
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }
  let db: Kysely<Database> | undefined;
  try {
    db = await createDatabase(url);
    await migrateToLatest(db, { migrations: RUN_MIGRATIONS });
    return db;
  } catch (error) {
    await db?.destroy().catch(() => undefined);
    throw new CliError('DATABASE_UNREACHABLE', describeDatabaseFailure(url, error), { cause: error });
  }
}
