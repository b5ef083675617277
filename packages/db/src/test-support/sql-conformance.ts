import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorCode } from '@holomind/testing';
import type { SqlTarget } from '@holomind/testing/sql-targets';
import type { Kysely } from 'kysely';
import { DatabaseError } from '../errors.js';
import { ExperimentRepository } from '../experiments/experiment-repository.js';
import { migrateDownAll, migrateToLatest } from '../migrate.js';
import type { MigrationSet } from '../migrations/context.js';
import { experimentMigrations } from '../migrations/experiment-migrations.js';
import type { Database } from '../schema.js';

const ownTables = ['holomind_experiments', 'holomind_architectures', 'holomind_training_states'];

/** A set from "another package": one table whose column type depends on the dialect it is handed. */
const sampleSet: MigrationSet = {
  namespace: 'sample',
  migrations: {
    '0001-notes': {
      async up(db, context) {
        await db.schema
          .createTable('holomind_sample_notes')
          .addColumn('id', context.dialect === 'postgres' ? 'bigserial' : 'integer', (column) => column.primaryKey())
          .addColumn('experiment_id', 'varchar(64)', (column) => column.references('holomind_experiments.id'))
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('holomind_sample_notes').execute();
      },
    },
  },
};

async function tableNames(db: Kysely<Database>): Promise<string[]> {
  return (await db.introspection.getTables()).map((table) => table.name);
}

/**
 * The SQL half of the conformance suite: migrations, ExperimentRepository. Registered once per
 * dialect (SQLite file, real PostgreSQL server) with a fresh database each.
 */
export function describeSqlConformance(dialect: string, open: () => Promise<SqlTarget<Kysely<Database>>>): void {
  describe(`migrations on ${dialect}`, () => {
    let target: SqlTarget<Kysely<Database>>;
    beforeAll(async () => {
      target = await open();
    });
    afterAll(() => target?.close());

    it('creates every table once, is a no-op when up to date, and can be undone', async () => {
      const db = target.handle;
      const applied = await migrateToLatest(db);
      expect(applied).toEqual([
        'experiments/0001-experiments',
        'experiments/0002-data-versions',
        'experiments/0003-experiment-owner',
        'archives/0001-architectures-and-training-states',
      ]);
      expect(await tableNames(db)).toEqual(
        expect.arrayContaining([...ownTables, 'holomind_experiments_migration', 'holomind_archives_migration']),
      );
      expect(await migrateToLatest(db)).toEqual([]);

      const experiments = (await db.introspection.getTables()).find((table) => table.name === 'holomind_experiments')!;
      const hyperparameters = experiments.columns.find((column) => column.name === 'hyperparameters')!;
      expect(hyperparameters.dataType.toLowerCase()).toBe(dialect === 'PostgreSQL' ? 'jsonb' : 'text');

      expect(await migrateDownAll(db)).toHaveLength(4);
      expect((await tableNames(db)).filter((name) => ownTables.includes(name))).toEqual([]);
      expect(await migrateToLatest(db)).toHaveLength(4);
    });

    it("composes another package's set after its own, and applies or undoes one set alone", async () => {
      const db = target.handle;
      await migrateToLatest(db);
      expect(await migrateToLatest(db, { migrations: [sampleSet] })).toEqual(['sample/0001-notes']);
      // Listing every set again is a no-op: each set keeps its own bookkeeping.
      expect(await migrateToLatest(db, { migrations: [experimentMigrations, sampleSet] })).toEqual([]);
      const notes = (await db.introspection.getTables()).find((table) => table.name === 'holomind_sample_notes')!;
      expect(notes.columns.find((column) => column.name === 'id')!.dataType.toLowerCase()).toBe(
        dialect === 'PostgreSQL' ? 'int8' : 'integer',
      );
      expect(await migrateDownAll(db, { migrations: [sampleSet] })).toEqual(['sample/0001-notes']);
      const remaining = await tableNames(db);
      expect(remaining).not.toContain('holomind_sample_notes');
      expect(remaining).toEqual(expect.arrayContaining(ownTables));
    });

    it('rejects a malformed or repeated namespace before touching the database', async () => {
      const db = target.handle;
      await expectErrorCode(
        migrateToLatest(db, { migrations: [{ ...sampleSet, namespace: 'Bad Name' }] }),
        DatabaseError,
        'INVALID_ARGUMENT',
      );
      await expectErrorCode(migrateToLatest(db, { migrations: [sampleSet, sampleSet] }), DatabaseError, 'INVALID_ARGUMENT');
      const failing: MigrationSet = {
        namespace: 'failing',
        migrations: { '0001-broken': { up: async () => Promise.reject(new Error('boom')), down: async () => {} } },
      };
      const error = await expectErrorCode(migrateToLatest(db, { migrations: [failing] }), DatabaseError, 'MIGRATION_FAILED');
      expect(error.message).toContain('failing/0001-broken');
    });
  });

  describe(`ExperimentRepository on ${dialect}`, () => {
    let target: SqlTarget<Kysely<Database>>;
    let experiments: ExperimentRepository;
    beforeAll(async () => {
      target = await open();
      await migrateToLatest(target.handle);
      experiments = new ExperimentRepository(target.handle);
    });
    afterAll(() => target?.close());

    it('creates a running experiment and finishes it exactly once', async () => {
      const hyperparameters = {
        lambda: 400,
        layers: [784, 256, 10],
        optimizer: { name: 'adam', beta1: 0.9 },
        note: 'ünïcode ✓',
        tiny: 1e-30,
      };
      const created = await experiments.create({ name: 'ewc-split-mnist', hyperparameters });
      expect(created).toMatchObject({ name: 'ewc-split-mnist', status: 'running', endedAt: null, hyperparameters, metrics: {} });
      expect(Math.abs(created.startedAt.getTime() - Date.now())).toBeLessThan(60_000);

      const finished = await experiments.finish(created.id, { metrics: { averageAccuracy: 0.953, forgetting: 0.021 } });
      expect(finished.status).toBe('completed');
      expect(finished.metrics).toEqual({ averageAccuracy: 0.953, forgetting: 0.021 });
      expect(finished.endedAt!.getTime()).toBeGreaterThanOrEqual(finished.startedAt.getTime());
      await expectErrorCode(experiments.finish(created.id, { status: 'failed' }), DatabaseError, 'INVALID_STATE');
      await expectErrorCode(experiments.get('no-such-experiment'), DatabaseError, 'NOT_FOUND');
      await expectErrorCode(experiments.create({ name: '' }), DatabaseError, 'INVALID_ARGUMENT');
      await expectErrorCode(
        experiments.create({ name: 'x', hyperparameters: { lr: Number.NaN } }),
        DatabaseError,
        'INVALID_ARGUMENT',
      );
      await expectErrorCode(
        experiments.finish(created.id, { metrics: { loss: Number.POSITIVE_INFINITY } }),
        DatabaseError,
        'INVALID_ARGUMENT',
      );
    });

    it('records the data versions of an experiment (null until recorded), replacing earlier ones', async () => {
      const created = await experiments.create({ name: 'own-data' });
      expect(created.dataVersions).toBeNull();
      const versions = { source: 'digits.csv', tasks: [{ taskId: 0, version: 'a'.repeat(64), classes: [0, 1] }] };
      expect((await experiments.recordDataVersions(created.id, versions)).dataVersions).toEqual(versions);
      const replaced = { ...versions, source: 'digits-v2.csv' };
      await experiments.recordDataVersions(created.id, replaced);
      expect((await experiments.get(created.id)).dataVersions).toEqual(replaced);
      await expectErrorCode(experiments.recordDataVersions('no-such-experiment', versions), DatabaseError, 'NOT_FOUND');
      await expectErrorCode(
        experiments.recordDataVersions(created.id, { bad: Number.NaN } as never),
        DatabaseError,
        'INVALID_ARGUMENT',
      );
    });

    it('lists experiments newest first, filtered by name and status, in creation order within a millisecond', async () => {
      const runs = [];
      for (let index = 0; index < 5; index++)
        runs.push(await experiments.create({ name: 'listed', startedAt: new Date(1_700_000_000_000) }));
      // Same start time: ids (UUIDv7, increasing within the process) break the tie in creation order.
      expect((await experiments.list({ name: 'listed' })).map((run) => run.id)).toEqual(runs.map((run) => run.id));
      await experiments.finish(runs[2]!.id, { status: 'stopped' });
      expect((await experiments.list({ name: 'listed', status: 'stopped' })).map((run) => run.id)).toEqual([runs[2]!.id]);
      const later = await experiments.create({ name: 'listed' });
      expect((await experiments.list({ name: 'listed', limit: 2 })).map((run) => run.id)).toEqual([later.id, runs[0]!.id]);
      await expectErrorCode(experiments.list({ limit: 0 }), DatabaseError, 'INVALID_ARGUMENT');
    });

    it('marks a dead run crashed and reopens a finished one with its new owner', async () => {
      const run = await experiments.create({ name: 'reopened', owner: 'host-a:123' });
      expect(run).toMatchObject({ status: 'running', owner: 'host-a:123' });
      expect((await experiments.finish(run.id, { status: 'crashed' })).status).toBe('crashed');
      const reopened = await experiments.reopen(run.id, { owner: 'host-b:456' });
      expect(reopened).toMatchObject({ status: 'running', owner: 'host-b:456', endedAt: null });
      await expectErrorCode(experiments.reopen(run.id), DatabaseError, 'INVALID_STATE');
      expect((await experiments.finish(run.id)).status).toBe('completed');
      expect((await experiments.reopen(run.id)).owner).toBeNull();
      expect((await experiments.create({ name: 'unowned' })).owner).toBeNull();
    });

    it('stores hostile strings as data, never as SQL', async () => {
      const hostile = `Robert'); DROP TABLE holomind_experiments; --"\\`;
      const run = await experiments.create({ name: hostile, hyperparameters: { [hostile]: hostile } });
      expect((await experiments.get(run.id)).name).toBe(hostile);
      expect((await experiments.get(run.id)).hyperparameters).toEqual({ [hostile]: hostile });
      expect((await experiments.list({ name: hostile })).map((experiment) => experiment.id)).toEqual([run.id]);
    });
  });
}
