import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededValues } from '@holomind/testing';
import type { Kysely } from 'kysely';
import { DatabaseError } from '../errors.js';
import { ExperimentRepository, type Experiment } from '../experiments/experiment-repository.js';
import { migrateDownAll, migrateToLatest } from '../migrate.js';
import type { Database } from '../schema.js';
import type { OpenedDatabase } from './sql-targets.js';

const holomindTables: Array<keyof Database> = [
  'holomind_experiments',
  'holomind_training_metrics',
  'holomind_state_stores',
  'holomind_state_versions',
  'holomind_state_version_tensors',
  'holomind_state_blobs',
  'holomind_state_tags',
  'holomind_architectures',
  'holomind_training_states',
];

async function expectCode(promise: Promise<unknown>, code: string): Promise<DatabaseError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(DatabaseError.isInstance(error), `expected a DatabaseError ${code}, got ${String(error)}`).toBe(true);
  expect((error as DatabaseError).code).toBe(code);
  return error as DatabaseError;
}

interface LoggedPoint {
  experiment: Experiment;
  task: number;
  step: number;
  metric: string;
  value: number;
}

/**
 * The SQL half of the conformance suite: migrations, ExperimentRepository. Registered once per
 * dialect (SQLite file, real PostgreSQL server) with a fresh database each.
 */
export function describeSqlConformance(dialect: string, open: () => Promise<OpenedDatabase>): void {
  describe(`migrations on ${dialect}`, () => {
    let opened: OpenedDatabase;
    beforeAll(async () => {
      opened = await open();
    });
    afterAll(() => opened?.close());

    it('creates every table once, is a no-op when up to date, and can be undone', async () => {
      const applied = await migrateToLatest(opened.db);
      expect(applied).toEqual(['0001-experiments', '0002-state-metadata', '0003-archives']);
      const tables = (await opened.db.introspection.getTables()).map((table) => table.name);
      expect(tables).toEqual(expect.arrayContaining(holomindTables));
      expect(await migrateToLatest(opened.db)).toEqual([]);

      const experiments = (await opened.db.introspection.getTables()).find((table) => table.name === 'holomind_experiments')!;
      const hyperparameters = experiments.columns.find((column) => column.name === 'hyperparameters')!;
      expect(hyperparameters.dataType.toLowerCase()).toBe(dialect === 'PostgreSQL' ? 'jsonb' : 'text');

      expect(await migrateDownAll(opened.db)).toHaveLength(3);
      const remaining = (await opened.db.introspection.getTables()).map((table) => table.name);
      expect(remaining.filter((name) => (holomindTables as string[]).includes(name))).toEqual([]);
      expect(await migrateToLatest(opened.db)).toHaveLength(3);
    });
  });

  describe(`ExperimentRepository on ${dialect}`, () => {
    let opened: OpenedDatabase;
    let db: Kysely<Database>;
    let experiments: ExperimentRepository;
    beforeAll(async () => {
      opened = await open();
      db = opened.db;
      await migrateToLatest(db);
      experiments = new ExperimentRepository(db);
    });
    afterAll(() => opened?.close());

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
      await expectCode(experiments.finish(created.id, { status: 'failed' }), 'INVALID_STATE');
      await expectCode(experiments.get('no-such-experiment'), 'NOT_FOUND');
      await expectCode(experiments.create({ name: '' }), 'INVALID_ARGUMENT');
      await expectCode(experiments.create({ name: 'x', hyperparameters: { lr: Number.NaN } }), 'INVALID_ARGUMENT');
    });

    it('upserts a metric logged twice for the same task and step', async () => {
      const run = await experiments.create({ name: 'upsert' });
      await experiments.logMetrics(run.id, { task: 0, step: 5, metrics: { loss: 0.9, accuracy: 0.5 } });
      await experiments.logMetrics(run.id, { task: 0, step: 5, metrics: { loss: 0.7 } });
      await experiments.logMetrics(run.id, { task: 1, step: 5, metrics: { loss: 0.8 } });
      const points = await experiments.history({ experimentIds: [run.id] });
      expect(points.map(({ task, step, metric, value }) => ({ task, step, metric, value }))).toEqual([
        { task: 0, step: 5, metric: 'accuracy', value: 0.5 },
        { task: 0, step: 5, metric: 'loss', value: 0.7 },
        { task: 1, step: 5, metric: 'loss', value: 0.8 },
      ]);
      await expectCode(
        experiments.logMetrics(run.id, { task: 0, step: 6, metrics: { loss: Number.POSITIVE_INFINITY } }),
        'INVALID_ARGUMENT',
      );
      await expectCode(experiments.logMetrics(run.id, { task: -1, step: 6, metrics: { loss: 1 } }), 'INVALID_ARGUMENT');
      await expectCode(experiments.logMetrics('missing-experiment', { task: 0, step: 0, metrics: { loss: 1 } }), 'NOT_FOUND');
    });

    it('answers history and bestBy across experiments like a reference computed in memory', async () => {
      // 4 experiments x 3 tasks x 6 steps of seeded accuracy/loss values, some logged twice.
      const noise = seededValues(4 * 3 * 6 * 2 * 2, 42);
      const logged = new Map<string, LoggedPoint>();
      const runs: Experiment[] = [];
      let cursor = 0;
      for (let index = 0; index < 4; index++) {
        const run = await experiments.create({ name: 'sweep', hyperparameters: { seed: index } });
        runs.push(run);
        for (let task = 0; task < 3; task++) {
          for (let step = 0; step < 6; step++) {
            for (let repeat = 0; repeat < 2; repeat++) {
              // Coarse rounding makes ties certain, within an experiment and between experiments.
              const accuracy = Math.round((0.5 + 0.5 * Math.abs(noise[cursor++]!)) * 10) / 10;
              const loss = Math.round(Math.abs(noise[cursor++]!) * 20) / 20;
              await experiments.logMetrics(run.id, { task, step, metrics: { accuracy, loss } });
              logged.set(`${run.id}/${task}/${step}/accuracy`, {
                experiment: run,
                task,
                step,
                metric: 'accuracy',
                value: accuracy,
              });
              logged.set(`${run.id}/${task}/${step}/loss`, { experiment: run, task, step, metric: 'loss', value: loss });
            }
          }
        }
      }
      const points = [...logged.values()];

      const history = await experiments.history({ experimentName: 'sweep', metric: 'accuracy', task: 1 });
      const expectedHistory = points
        .filter((point) => point.metric === 'accuracy' && point.task === 1)
        .sort((a, b) => runs.indexOf(a.experiment) - runs.indexOf(b.experiment) || a.step - b.step)
        .map((point) => ({ experimentId: point.experiment.id, step: point.step, value: point.value }));
      expect(history.map(({ experimentId, step, value }) => ({ experimentId, step, value }))).toEqual(expectedHistory);

      for (const [metric, direction] of [
        ['accuracy', 'max'],
        ['loss', 'min'],
      ] as const) {
        const better = (a: number, b: number) => (direction === 'max' ? a > b : a < b);
        const bestPerRun = runs.map((run) => {
          let best: LoggedPoint | undefined;
          for (const point of points) {
            if (point.experiment !== run || point.metric !== metric) continue;
            const earlier = best && (point.task < best.task || (point.task === best.task && point.step < best.step));
            if (!best || better(point.value, best.value) || (point.value === best.value && earlier)) best = point;
          }
          return best!;
        });
        const expected = [...bestPerRun]
          .sort(
            (a, b) =>
              (direction === 'max' ? b.value - a.value : a.value - b.value) ||
              runs.indexOf(a.experiment) - runs.indexOf(b.experiment),
          )
          .slice(0, 3)
          .map((point) => ({ id: point.experiment.id, value: point.value, task: point.task, step: point.step }));
        const actual = await experiments.bestBy(metric, { direction, experimentName: 'sweep', limit: 3 });
        expect(
          actual.map((result) => ({ id: result.experiment.id, value: result.value, task: result.task, step: result.step })),
        ).toEqual(expected);
        expect(actual[0]!.experiment.hyperparameters).toHaveProperty('seed');
      }
    });

    it('breaks ties at the earliest task and step, then the earliest experiment', async () => {
      const first = await experiments.create({ name: 'ties' });
      const second = await experiments.create({ name: 'ties' });
      for (const [task, step] of [
        [1, 0],
        [0, 7],
        [0, 3],
        [2, 1],
      ]) {
        await experiments.logMetrics(second.id, { task: task!, step: step!, metrics: { accuracy: 0.9 } });
        await experiments.logMetrics(first.id, { task: task!, step: step! + 1, metrics: { accuracy: 0.9 } });
      }
      await experiments.logMetrics(first.id, { task: 0, step: 0, metrics: { accuracy: 0.1 } });
      const best = await experiments.bestBy('accuracy', { experimentName: 'ties' });
      expect(best.map(({ experiment, value, task, step }) => [experiment.id, value, task, step])).toEqual([
        [first.id, 0.9, 0, 4],
        [second.id, 0.9, 0, 3],
      ]);
      const worst = await experiments.bestBy('accuracy', { experimentName: 'ties', direction: 'min', limit: 1 });
      expect(worst.map(({ experiment, value, task, step }) => [experiment.id, value, task, step])).toEqual([
        [first.id, 0.1, 0, 0],
      ]);
    });

    it('stores hostile strings as data, never as SQL', async () => {
      const hostile = `Robert'); DROP TABLE holomind_experiments; --"\\`;
      const run = await experiments.create({ name: hostile, hyperparameters: { [hostile]: hostile } });
      await experiments.logMetrics(run.id, { task: 0, step: 0, metrics: { [hostile]: 1 } });
      expect((await experiments.get(run.id)).name).toBe(hostile);
      expect((await experiments.history({ experimentName: hostile }))[0]!.metric).toBe(hostile);
      expect((await experiments.list({ name: hostile })).map((experiment) => experiment.id)).toEqual([run.id]);
    });
  });
}
