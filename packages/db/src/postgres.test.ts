import { beforeAll, describe, expect, it } from 'vitest';
import { startPostgresServer } from '@holomind/testing';
import { openSqlTarget, sharedPostgresServer } from '@holomind/testing/sql-targets';
import { SqlArchiveStore } from './archives/sql-archive-store.js';
import { createDatabase } from './create-database.js';
import { sqlDialectOf } from './dialect.js';
import { migrateToLatest } from './migrate.js';
import { describeArchiveConformance } from './test-support/archive-conformance.js';
import { describeSqlConformance } from './test-support/sql-conformance.js';

// One real server (initdb + pg_ctl as the postgres user) for the file; a fresh database per suite.
const postgres = sharedPostgresServer();
const serverUrl = async () => (await postgres()).url;

describeSqlConformance('PostgreSQL', () => openSqlTarget('postgres', createDatabase, postgres));
describeArchiveConformance('PostgreSQL', async () => {
  const target = await openSqlTarget('postgres', createDatabase, postgres);
  await migrateToLatest(target.handle);
  return { store: new SqlArchiveStore(target.handle), close: target.close };
});

describe('createDatabase with postgres://', () => {
  beforeAll(serverUrl);

  it('connects through pg and reports the postgres dialect', async () => {
    const db = await createDatabase((await serverUrl()).replace('postgres://', 'postgresql://'), { poolSize: 2 });
    expect(sqlDialectOf(db)).toBe('postgres');
    await db.destroy();
  });
});

describe('createDatabase with postgres:// when the server goes away', () => {
  it('reports the dead idle connection to onIdleConnectionError instead of crashing the process', async () => {
    const ownServer = await startPostgresServer();
    const errors: Error[] = [];
    const db = await createDatabase(ownServer.url, { poolSize: 1, onIdleConnectionError: (error) => errors.push(error) });
    try {
      await migrateToLatest(db); // leaves one idle connection in the pool
      await ownServer.stop(); // pg_ctl -m fast terminates it
      for (let waited = 0; errors.length === 0 && waited < 5000; waited += 50)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toMatch(/terminating connection/);
    } finally {
      await db.destroy();
      await ownServer.stop();
    }
  });
});
