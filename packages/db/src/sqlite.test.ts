import { describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { SqlArchiveStore } from './archives/sql-archive-store.js';
import { createDatabase } from './create-database.js';
import { ExperimentRepository } from './experiments/experiment-repository.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';
import { describeArchiveConformance } from './test-support/archive-conformance.js';
import { describeSqlConformance } from './test-support/sql-conformance.js';
import { openSqlTarget } from '@holomind/testing/sql-targets';

describeSqlConformance('SQLite', () => openSqlTarget('sqlite', createDatabase));
describeArchiveConformance('SQLite', async () => {
  const target = await openSqlTarget('sqlite', createDatabase);
  await migrateToLatest(target.handle);
  return { store: new SqlArchiveStore(target.handle), close: target.close };
});

describe('createDatabase with sqlite:', () => {
  it('opens the file in WAL mode with full sync and foreign keys, readable by plain better-sqlite3', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-sqlite-'));
    try {
      const file = path.join(folder, 'holomind.db');
      const db = await createDatabase(`sqlite:${file}`);
      await migrateToLatest(db);
      const run = await new ExperimentRepository(db).create({ name: 'pragmas' });
      await db.destroy();

      const raw = new BetterSqlite3(file, { readonly: true });
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('SELECT name FROM holomind_experiments WHERE id = ?').get(run.id)).toEqual({ name: 'pragmas' });
      raw.close();

      const reopened = await createDatabase(`sqlite:${file}`);
      const pragmas = await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(reopened);
      expect(pragmas.rows[0]!.foreign_keys).toBe(1);
      await reopened.destroy();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('sends every user value as a bound parameter', async () => {
    // Same repository code, on a Kysely instance that records each compiled query.
    const queries: Array<{ sql: string; parameters: readonly unknown[] }> = [];
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }),
      log: (event) => {
        queries.push({ sql: event.query.sql, parameters: event.query.parameters });
      },
    });
    await migrateToLatest(db);
    queries.length = 0;
    const marker = `zz'marker"--`;
    const experiments = new ExperimentRepository(db);
    const run = await experiments.create({ name: marker, hyperparameters: { [marker]: marker } });
    await experiments.finish(run.id, { metrics: { [marker]: 0.5 } });
    await experiments.list({ name: marker });
    const archive = new SqlArchiveStore(db);
    await archive.saveArchitecture({ name: marker, document: { [marker]: marker }, description: marker });
    await archive.latestArchitecture(marker);
    await archive.saveTrainingState({ description: marker, metrics: { [marker]: 1 }, environment: { [marker]: marker } });
    expect(queries.length).toBeGreaterThan(6);
    expect(queries.filter((query) => query.sql.includes('marker'))).toEqual([]);
    expect(
      queries.filter((query) => query.parameters.some((value) => String(value).includes(marker))).length,
    ).toBeGreaterThanOrEqual(6);
    await db.destroy();
  });

  it('rejects malformed URLs with the accepted forms in the message', async () => {
    await expect(createDatabase('mysql://localhost/db')).rejects.toMatchObject({
      code: 'INVALID_DATABASE_URL',
      message: expect.stringContaining("'sqlite:<path>'"),
    });
    await expect(createDatabase('sqlite:')).rejects.toMatchObject({ code: 'INVALID_DATABASE_URL' });
    await expect(createDatabase('postgres://user:secret@host/db'.replace('postgres', 'redis'))).rejects.toMatchObject({
      message: expect.not.stringContaining('secret'),
    });
  });
});
