import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createDatabase, experimentMigrations, migrateToLatest, type Database, type Kysely } from '@holomind/db';
import { metricMigrations } from '@holomind/monitoring';
import { stateMigrations } from '@holomind/state';
import { CliError } from '../errors.js';
import { describeDatabaseFailure } from './database-failure.js';

/** Every table a run uses, one migration set per owning package, applied by `@holomind/db`'s one migrator. */
export const RUN_MIGRATIONS = [experimentMigrations, stateMigrations, metricMigrations];

/**
 * Opens and migrates the experiment database, failing before any training when it cannot be
 * reached. `sqlite:` paths are relative to the working directory; their folder is created.
 */
export async function openDatabase(url: string): Promise<Kysely<Database>> {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:' && file !== '') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
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
