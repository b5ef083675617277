import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Kysely } from 'kysely';
import { createDatabase } from '../create-database.js';
import type { Database } from '../schema.js';

/** A fresh, empty database for one test suite, and how to throw it away. */
export interface OpenedDatabase {
  db: Kysely<Database>;
  url: string;
  close(): Promise<void>;
}

/** A new SQLite file in a new temporary folder. */
export async function openTemporarySqlite(): Promise<OpenedDatabase> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-sqlite-'));
  const url = `sqlite:${path.join(folder, 'test.db')}`;
  const db = await createDatabase(url);
  return {
    db,
    url,
    async close() {
      await db.destroy();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** A new database (CREATE DATABASE) on a running PostgreSQL server, dropped on close. */
export async function openTemporaryPostgres(serverUrl: string): Promise<OpenedDatabase> {
  const name = `holomind_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = serverUrl.replace(/\/[^/]*$/, `/${name}`);
  const db = await createDatabase(url);
  return {
    db,
    url,
    async close() {
      await db.destroy();
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
