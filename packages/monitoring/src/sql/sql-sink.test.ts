import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { findPostgresBinaries } from '@holomind/testing';
import { openSqlTarget, sharedPostgresServer, type SqlTarget, type SqlTargetDialect } from '@holomind/testing/sql-targets';
import { AlertManager } from '../alert-manager.js';
import { ContinualEvaluator } from '../continual-evaluator.js';
import { DashboardData } from '../dashboard/dashboard-data.js';
import { MonitoringError } from '../errors.js';
import { MetricsTracker } from '../metrics-tracker.js';
import { metricMigrations, prefixedMetricMigrations, type MetricMigrationSet } from './metric-migrations.js';
import { SqlMetricSink } from './sql-sink.js';

/** Any schema: the sink only touches its own tables. */
type AnyDatabase = Record<string, Record<string, unknown>>;

const postgres = sharedPostgresServer();
const postgresMissing = findPostgresBinaries()
  ? undefined
  : 'PostgreSQL server binaries (initdb, pg_ctl) not found; apt-get install postgresql';
if (postgresMissing) {
  // CI sets this so a missing server fails the run instead of hiding behind a skip.
  if (process.env.HOLOMIND_REQUIRE_POSTGRES === '1') throw new Error(postgresMissing);
  console.warn(`SKIPPED postgres suite: ${postgresMissing}`);
}

/**
 * Applies a set's migrations in name order, as `@holomind/db`'s migrateToLatest does (this package
 * does not depend on db, so its tests apply the set directly, without bookkeeping).
 */
async function applyMigrations(db: Kysely<AnyDatabase>, set: MetricMigrationSet, dialect: SqlTargetDialect): Promise<void> {
  for (const name of Object.keys(set.migrations).sort()) await set.migrations[name]!.up(db, { dialect });
}

const targets: Array<SqlTarget<Kysely<AnyDatabase>>> = [];
afterAll(async () => {
  for (const target of targets) await target.close();
});

/** A fresh database of `dialect`, migrated unless told not to; `queries` collects every SQL statement it runs. */
async function open(
  dialect: SqlTargetDialect,
  options: { migrate?: boolean } = {},
): Promise<{ db: Kysely<AnyDatabase>; queries: string[] }> {
  const queries: string[] = [];
  const log = (event: LogEvent) => void queries.push(event.query.sql);
  const target = await openSqlTarget(
    dialect,
    async (url) => {
      if (dialect === 'sqlite') {
        const database = new Database(url.slice('sqlite:'.length));
        database.pragma('journal_mode = WAL');
        return new Kysely<AnyDatabase>({ dialect: new SqliteDialect({ database }), log });
      }
      return new Kysely<AnyDatabase>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
        log,
      });
    },
    postgres,
  );
  targets.push(target);
  if (options.migrate ?? true) await applyMigrations(target.handle, metricMigrations, dialect);
  return { db: target.handle, queries };
}

describe.each(['sqlite', 'postgres'] as const)('SqlMetricSink on %s', (name) => {
  const skipIfMissing = (context: { skip: () => void }) => {
    if (name === 'postgres' && postgresMissing) context.skip();
  };

  it('writes to the tables metricMigrations creates and round-trips points, NaN and ±Infinity included', async (context) => {
    skipIfMissing(context);
    const { db } = await open(name);
    const sink = new SqlMetricSink(db);
    const tracker = new MetricsTracker({ runId: 'run-a', sinks: [sink], now: () => 1_700_000_000_123 });
    tracker.log({ loss: 0.125, accuracy: Number.NaN }, { step: 1, taskId: 'mnist-0' });
    tracker.log({ loss: Number.POSITIVE_INFINITY }, { step: 2 ** 40 });
    tracker.log({ loss: Number.NEGATIVE_INFINITY }, { step: 3, runId: 'run-b', taskId: 7 });
    await tracker.flush();
    const tables = (await db.introspection.getTables()).map((table) => table.name).sort();
    expect(tables).toEqual([
      'holomind_alerts',
      'holomind_metric_aggregates',
      'holomind_metric_points',
      'holomind_metric_series',
      'holomind_snapshots',
    ]);
    expect(await sink.readPoints()).toEqual(tracker.points());
    expect(await sink.readPoints({ metric: 'loss', taskId: null })).toEqual([
      {
        runId: 'run-a',
        metric: 'loss',
        taskId: null,
        step: 2 ** 40,
        value: Number.POSITIVE_INFINITY,
        wallTime: 1_700_000_000_123,
      },
    ]);
    expect((await sink.readPoints({ runId: 'run-b' }))[0]!.taskId).toBe('7');
    await sink.close();
  });

  it('writes buffered points in multi-row INSERTs of batchSize rows', async (context) => {
    skipIfMissing(context);
    const { db, queries } = await open(name);
    const sink = new SqlMetricSink(db, { batchSize: 1000, flushIntervalMs: 60_000 });
    queries.length = 0;
    const tracker = new MetricsTracker({ sinks: [sink] });
    // 4,500 points in 1,500 calls; the sink starts a write at 1,000 buffered points and flush() writes the rest.
    for (let step = 0; step < 1500; step++) tracker.log({ loss: 1 / (step + 1), accuracy: step / 1500, lr: 0.001 }, { step });
    await tracker.flush();
    const inserts = queries.filter((query) => /^insert into "holomind_metric_points"/i.test(query));
    expect(inserts.length).toBe(5); // 4 full batches started by writePoints, the remaining 500 by flush()
    expect(await sink.countPoints()).toBe(4500);
    const accuracy = await sink.readPoints({ metric: 'accuracy' });
    expect(accuracy.map((point) => point.step)).toEqual(Array.from({ length: 1500 }, (_, i) => i));
    await sink.close();
  });

  it('stores alerts and dashboard snapshots with the history', async (context) => {
    skipIfMissing(context);
    const { db } = await open(name);
    const sink = new SqlMetricSink(db);
    const tracker = new MetricsTracker({ runId: 'run-s', sinks: [sink], metrics: { loss: { goal: 'minimize' } } });
    const alerts = new AlertManager({ tracker, rules: [{ metric: 'loss', direction: 'above', warning: 1, cooldownMs: 0 }] });
    const dashboard = new DashboardData({ tracker, alerts });
    tracker.log({ loss: 3 }, { step: 5, taskId: 1 });
    tracker.log({ loss: Number.NaN }, { step: 6 });
    dashboard.takeSnapshot();
    await tracker.flush();
    const stored = await sink.readAlerts();
    expect(stored).toEqual(alerts.getHistory());
    expect(stored.map((alert) => [alert.kind, alert.severity, alert.value])).toEqual([
      ['threshold', 'warning', 3],
      ['non-finite', 'critical', Number.NaN],
    ]);
    expect(await sink.readAlerts({ severity: 'critical' })).toHaveLength(1);
    const [snapshot] = await sink.readSnapshots({ runId: 'run-s' });
    expect(snapshot).toMatchObject({ runId: 'run-s', health: 'red' });
    expect((snapshot!.data as { metrics: { loss: { count: number; last: string } } }).metrics.loss).toMatchObject({
      count: 2,
      last: 'NaN',
    });
    await sink.close();
  });

  it('downsamples old points into per-bucket aggregates equal to a direct computation, merging later passes', async (context) => {
    skipIfMissing(context);
    const { db } = await open(name);
    let now = 10_000_000;
    const sink = new SqlMetricSink(db, { now: () => now, retention: { downsampleAfterMs: 60_000, bucketMs: 10_000 } });
    const tracker = new MetricsTracker({ runId: 'r', sinks: [sink] });
    const logged: Array<{ wallTime: number; value: number; step: number }> = [];
    for (let step = 0; step < 120; step++) {
      const wallTime = 9_900_000 + step * 1000; // 9,900 s … 10,019 s
      const value = step === 17 ? Number.NaN : Math.sin(step) + 2;
      tracker.log({ loss: value }, { step, wallTime });
      logged.push({ wallTime, value, step });
    }
    await tracker.flush();
    const first = await sink.applyRetention(); // cutoff 9,940 s: steps 0..39 become aggregates
    expect(first).toMatchObject({ downsampledPoints: 40, deletedPoints: 0 });
    now += 30_000; // cutoff 9,970 s: steps 40..69
    const second = await sink.applyRetention();
    expect(second.downsampledPoints).toBe(30);
    expect(await sink.countPoints()).toBe(50);

    const expected = new Map<number, { count: number; finite: number[]; steps: number[] }>();
    for (const point of logged.filter((entry) => entry.wallTime < 9_970_000)) {
      const bucket = Math.floor(point.wallTime / 10_000) * 10_000;
      const entry = expected.get(bucket) ?? { count: 0, finite: [], steps: [] };
      entry.count += 1;
      if (Number.isFinite(point.value)) entry.finite.push(point.value);
      entry.steps.push(point.step);
      expected.set(bucket, entry);
    }
    const aggregates = await sink.readAggregates({ metric: 'loss' });
    expect(aggregates.map((aggregate) => aggregate.bucketStart)).toEqual([...expected.keys()]);
    for (const aggregate of aggregates) {
      const reference = expected.get(aggregate.bucketStart)!;
      expect(aggregate.count).toBe(reference.count);
      expect(aggregate.nonFiniteCount).toBe(reference.count - reference.finite.length);
      expect(aggregate.min).toBe(Math.min(...reference.finite));
      expect(aggregate.max).toBe(Math.max(...reference.finite));
      expect(aggregate.mean).toBeCloseTo(reference.finite.reduce((a, b) => a + b, 0) / reference.finite.length, 12);
      expect([aggregate.firstStep, aggregate.lastStep]).toEqual([Math.min(...reference.steps), Math.max(...reference.steps)]);
    }
    await sink.close();
  });

  it('keeps at most maxRows newest rows and deletes everything older than maxAgeMs', async (context) => {
    skipIfMissing(context);
    const { db } = await open(name);
    let now = 1_000_000;
    const sink = new SqlMetricSink(db, { now: () => now, retention: { maxRows: 25, maxAgeMs: 50_000 } });
    const tracker = new MetricsTracker({ sinks: [sink] });
    for (let step = 0; step < 100; step++) tracker.log({ loss: step }, { step, wallTime: 950_000 + step * 1000 });
    await tracker.flush();
    expect(await sink.applyRetention()).toMatchObject({ deletedPoints: 75 });
    expect((await sink.readPoints()).map((point) => point.step)).toEqual(Array.from({ length: 25 }, (_, i) => 75 + i));
    now = 1_080_000; // cutoff 1,030,000: steps 75..79 (1,025,000 … 1,029,000) are older
    expect(await sink.applyRetention()).toMatchObject({ deletedPoints: 5 });
    expect((await sink.readPoints())[0]!.step).toBe(80);
    await sink.close();
  });

  it('reports a failed background write from flush() as SINK_FAILED', async (context) => {
    skipIfMissing(context);
    const { db } = await open(name);
    const errors: unknown[] = [];
    const sink = new SqlMetricSink(db, { onError: (error) => errors.push(error) });
    await db.destroy();
    const tracker = new MetricsTracker({ sinks: [sink] });
    tracker.log({ loss: 1 });
    let caught: unknown;
    try {
      await tracker.flush();
    } catch (error) {
      caught = error;
    }
    expect(MonitoringError.isInstance(caught) && caught.code).toBe('SINK_FAILED');
    expect(errors).toHaveLength(1);
  });

  it("reads back the accuracy matrix a ContinualEvaluator logged, equal to the evaluator's own", async (context) => {
    skipIfMissing(context);
    const { db } = await open(name);
    const sink = new SqlMetricSink(db);
    const tracker = new MetricsTracker({ runId: 'cl', sinks: [sink] });
    const evaluator = new ContinualEvaluator({ tracker, tasks: ['task-0', 'task-1', 'task-2'] });
    const rows = [[0.98], [0.91, 0.97], [0.85, 0.9, 0.96]];
    // Global steps: the last epoch of each task with 2 epochs per task.
    rows.forEach((row, index) => evaluator.recordRow(`task-${index}`, row, { step: (index + 1) * 2 - 1 }));
    tracker.log({ loss: 0.5 }, { step: 1, taskId: 'task-0' });
    const stored = await sink.readAccuracyMatrix('cl');
    expect(stored.tasks).toEqual(['task-0', 'task-1', 'task-2']);
    expect(stored.steps).toEqual([1, 3, 5]);
    expect(stored.matrix).toEqual(evaluator.matrix());
    expect(await sink.readAccuracyMatrix('other-run')).toEqual({ tasks: [], matrix: [], steps: [] });
    await sink.close();
  });

  it('keeps the tables of a prefixed set apart from the default set', async (context) => {
    skipIfMissing(context);
    const { db } = await open(name);
    await applyMigrations(db, prefixedMetricMigrations('lab_'), name);
    expect(prefixedMetricMigrations('lab_').namespace).toBe('monitoring_lab');
    expect(metricMigrations.namespace).toBe('monitoring');
    const lab = new SqlMetricSink(db, { tablePrefix: 'lab_' });
    const main = new SqlMetricSink(db);
    new MetricsTracker({ runId: 'r', sinks: [lab] }).log({ loss: 1 }, { step: 0 });
    expect(await lab.countPoints()).toBe(1);
    expect(await main.countPoints()).toBe(0);
    await Promise.all([lab.close(), main.close()]);
  });
});

describe('SqlMetricSink options', () => {
  it('rejects what is not a Kysely instance, bad batch sizes and unknown retention keys', async () => {
    const db = new Kysely<AnyDatabase>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    expect(() => new SqlMetricSink({} as never)).toThrow(/needs a Kysely instance/);
    expect(() => new SqlMetricSink(db, { batchSize: 10_000 })).toThrow(/batchSize 10000 must be an integer in 1..8191/);
    expect(() => new SqlMetricSink(db, { retention: { maxAge: 5 } as never })).toThrow(/retention.maxAge is unknown/);
    expect(() => new SqlMetricSink(db, { tablePrefix: 'x; drop' })).toThrow(/tablePrefix "x; drop"/);
    await db.destroy();
  });
});
