import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createDatabase, migrateToLatest, type Database, type Kysely } from '@holomind/db';
import { CliError } from '../errors.js';

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
    await migrateToLatest(db);
    return db;
  } catch (error) {
    await db?.destroy().catch(() => undefined);
    const shown = url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
    throw new CliError(
      'DATABASE_UNREACHABLE',
      `Cannot use the database ${shown}: ${(error as Error).message}. Nothing was trained. Check that the server is running and ` +
        'the URL, user and password are right, or use the embedded default with --db sqlite:.holomind/holomind.db.',
      { cause: error },
    );
  }
}
