import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabase, migrateToLatest, type CreateDatabaseOptions, type Database, type Kysely } from '@holomind/db';

/** A fresh database and store folder for one test, and how to throw both away. */
export interface TestStoreHome {
  db: Kysely<Database>;
  url: string;
  directory: string;
  close(): Promise<void>;
}

function temporaryFolder(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'holomind-state-'));
}

/** SQLite file inside a new temporary folder; the store directory is `states/` beside it. */
export async function sqliteHome(options: CreateDatabaseOptions = {}): Promise<TestStoreHome> {
  const folder = temporaryFolder();
  const url = `sqlite:${path.join(folder, 'metadata.db')}`;
  const db = await createDatabase(url, options);
  await migrateToLatest(db);
  return {
    db,
    url,
    directory: path.join(folder, 'states'),
    async close() {
      await db.destroy();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** A new database on a running PostgreSQL server, dropped on close. */
export async function postgresHome(serverUrl: string): Promise<TestStoreHome> {
  const name = `holomind_state_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
  const url = serverUrl.replace(/\/[^/]*$/, `/${name}`);
  const db = await createDatabase(url);
  await migrateToLatest(db);
  const folder = temporaryFolder();
  return {
    db,
    url,
    directory: path.join(folder, 'states'),
    async close() {
      await db.destroy();
      rmSync(folder, { recursive: true, force: true });
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => cleanup.end());
    },
  };
}
