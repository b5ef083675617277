import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest, type Database } from '@holomind/db';
import { checkStateId } from './names.js';
import { StateStore } from './state-store.js';
import { expectStateError } from './test-support/store-behaviour.js';

const escaping = [
  '../x',
  '..',
  '.',
  '/etc/passwd',
  '/tmp/x',
  'C:\\x',
  'a/b',
  'a\\b',
  'x\0y',
  '',
  ' lead',
  '.hidden',
  'a'.repeat(129),
];

describe('state ids', () => {
  let folder: string;
  let store: StateStore;
  let db: Kysely<Database>;
  const queries: Array<{ sql: string; parameters: readonly unknown[] }> = [];

  beforeAll(async () => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-ids-'));
    // A Kysely instance that records every compiled query, to prove values travel as parameters.
    db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(path.join(folder, 'metadata.db')) }),
      log: (event) => {
        queries.push({ sql: event.query.sql, parameters: event.query.parameters });
      },
    });
    await migrateToLatest(db);
    store = new StateStore({ directory: path.join(folder, 'store', 'states'), db });
  });
  afterAll(async () => {
    await db.destroy();
    rmSync(folder, { recursive: true, force: true });
  });

  it.each(escaping.map((id) => [JSON.stringify(id), id]))(
    'rejects %s everywhere, before touching the disk',
    async (_label, stateId) => {
      const before = readdirSync(folder, { recursive: true, encoding: 'utf8' }).sort();
      const state = { w: { data: Float32Array.of(1), shape: [1] } };
      const error = await expectStateError(store.save(stateId, state), 'INVALID_STATE_ID');
      expect(error.message).toContain('state ids name a folder inside the store directory');
      await expectStateError(store.load(stateId), 'INVALID_STATE_ID');
      await expectStateError(store.history(stateId), 'INVALID_STATE_ID');
      await expectStateError(store.metadata(stateId), 'INVALID_STATE_ID');
      await expectStateError(store.rollback(stateId, 1), 'INVALID_STATE_ID');
      await expectStateError(store.tag(stateId, 1, 't'), 'INVALID_STATE_ID');
      await expectStateError(store.diff({ stateId }, { stateId: 'fine' }), 'INVALID_STATE_ID');
      await expectStateError(store.prune({ stateId }), 'INVALID_STATE_ID');
      const after = readdirSync(folder, { recursive: true, encoding: 'utf8' }).sort();
      expect(after.filter((entry) => !before.includes(entry) && !String(entry).startsWith('store'))).toEqual([]);
      expect(readdirSync(path.dirname(folder)).filter((entry) => entry === 'x' || entry === 'passwd')).toEqual([]);
    },
  );

  it('accepts ordinary ids and keeps each in its own folder', async () => {
    for (const stateId of ['mnist-ewc', 'Task_3.v2', '0', 'a'.repeat(128)]) expect(checkStateId(stateId)).toBe(stateId);
    const saved = await store.save('mnist-ewc', { w: { data: Float32Array.of(1, 2), shape: [2] } });
    expect(saved.file.startsWith('mnist-ewc/')).toBe(true);
    expect(readdirSync(path.join(folder, 'store', 'states', 'mnist-ewc')).filter((name) => name.endsWith('.h5'))).toHaveLength(1);
  });

  it('sends names, tags, descriptions and values to SQL only as bound parameters', async () => {
    queries.length = 0;
    const marker = `zz'); DROP TABLE holomind_state_versions; --"`;
    const saved = await store.save(
      'params',
      { [`w${marker}`]: { data: Float32Array.of(3), shape: [1] }, [marker]: marker },
      { description: marker, metrics: { [marker]: 1 }, tags: [marker] },
    );
    await store.tag('params', saved.version, `${marker}2`);
    const loaded = await store.load('params', { tag: marker });
    expect(loaded.values[marker]).toBe(marker);
    expect(loaded.metadata.description).toBe(marker);
    await store.diff({ stateId: 'params', tag: marker }, { stateId: 'params' });
    await store.untag('params', `${marker}2`);
    await store.prune({ stateId: 'params', keepLast: 1 });
    expect(queries.length).toBeGreaterThan(15);
    expect(queries.filter((query) => query.sql.includes('zz'))).toEqual([]);
    expect(
      queries.filter((query) => query.parameters.some((value) => String(value).includes('DROP TABLE'))).length,
    ).toBeGreaterThan(5);
  });
});
