import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PostgresServer } from '@holomind/testing';
import { openSqlTarget, type SqlTargetDialect } from '@holomind/testing/sql-targets';
import { createDatabase, migrateToLatest, type CreateDatabaseOptions, type Database, type Kysely } from '@holomind/db';
import { stateMigrations } from '../migrations.js';

/** A fresh database and store folder for one test, and how to throw both away. */
export interface TestStoreHome {
  db: Kysely<Database>;
  url: string;
  directory: string;
  close(): Promise<void>;
}

async function openHome(
  dialect: SqlTargetDialect,
  options: CreateDatabaseOptions,
  postgres?: () => Promise<Pick<PostgresServer, 'url' | 'port'>>,
): Promise<TestStoreHome> {
  const target = await openSqlTarget(dialect, (url) => createDatabase(url, options), postgres);
  await migrateToLatest(target.handle, { migrations: [stateMigrations] });
  const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-state-'));
  return {
    db: target.handle,
    url: target.url,
    directory: path.join(folder, 'states'),
    async close() {
      await target.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** A new SQLite file, migrated with state's tables; the store directory is a new temporary folder. */
export function sqliteHome(options: CreateDatabaseOptions = {}): Promise<TestStoreHome> {
  return openHome('sqlite', options);
}

/** A new database on the running PostgreSQL server at `serverUrl`, migrated, dropped on close. */
export function postgresHome(serverUrl: string): Promise<TestStoreHome> {
  const server = { url: serverUrl, port: Number(new URL(serverUrl).port) };
  return openHome('postgres', {}, async () => server);
}
