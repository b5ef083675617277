/* eslint-disable @typescript-eslint/no-explicit-any -- table names carry a caller-chosen prefix, so Kysely cannot type them */
import type { Kysely } from 'kysely';
import { monitoringTableNames } from './metric-tables.js';

/**
 * What the migrator hands each migration: the dialect, detected once by `@holomind/db`'s
 * `migrateToLatest` (this package never guesses it).
 */
export interface MetricMigrationContext {
  dialect: 'sqlite' | 'postgres';
}

/** One schema step of the metric tables; the shape `@holomind/db`'s migrator runs. */
export interface MetricMigration {
  up(db: Kysely<any>, context: MetricMigrationContext): Promise<void>;
  down(db: Kysely<any>, context: MetricMigrationContext): Promise<void>;
}

/** The metric tables' migrations as a set for `migrateToLatest(db, { migrations: [...] })` of `@holomind/db`. */
export interface MetricMigrationSet {
  namespace: string;
  migrations: Readonly<Record<string, MetricMigration>>;
}

function idColumn(builder: any, dialect: MetricMigrationContext['dialect']): any {
  // SQLite: INTEGER PRIMARY KEY is the rowid, increasing as long as the newest row is never deleted
  // (retention deletes the oldest). PostgreSQL: bigserial.
  return builder.addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigserial', (column: any) => column.primaryKey());
}

async function createMetricTables(db: Kysely<any>, dialect: MetricMigrationContext['dialect'], prefix: string): Promise<void> {
  const tables = monitoringTableNames(prefix);
  const key = 'varchar(255)';
  // IF NOT EXISTS adopts tables the 0.1 sink created by itself (same columns).
  // One row per (run, metric, task); points refer to it by an integer id, which keeps point rows
  // narrow and their index cheap. task_id is '' for points logged without a task.
  await idColumn(db.schema.createTable(tables.series).ifNotExists(), dialect)
    .addColumn('run_id', key, (column: any) => column.notNull())
    .addColumn('metric', key, (column: any) => column.notNull())
    .addColumn('task_id', key, (column: any) => column.notNull())
    .execute();
  await db.schema
    .createIndex(`${tables.series}_key`)
    .ifNotExists()
    .unique()
    .on(tables.series)
    .columns(['run_id', 'metric', 'task_id'])
    .execute();

  await idColumn(db.schema.createTable(tables.points).ifNotExists(), dialect)
    .addColumn('series_id', 'bigint', (column: any) => column.notNull())
    .addColumn('step', 'bigint', (column: any) => column.notNull())
    .addColumn('wall_time', 'double precision', (column: any) => column.notNull())
    // ±Infinity are stored as such by both dialects; NaN too in PostgreSQL, while SQLite turns a
    // bound NaN into NULL, so NULL reads back as NaN (a value is never absent otherwise).
    .addColumn('value', 'double precision')
    .execute();
  await db.schema.createIndex(`${tables.points}_series`).ifNotExists().on(tables.points).columns(['series_id', 'step']).execute();
  await db.schema.createIndex(`${tables.points}_time`).ifNotExists().on(tables.points).column('wall_time').execute();

  // Partial aggregates: several rows may share a bucket; readers merge them (count/sum/min/max merge exactly).
  await idColumn(db.schema.createTable(tables.aggregates).ifNotExists(), dialect)
    .addColumn('series_id', 'bigint', (column: any) => column.notNull())
    .addColumn('bucket_start', 'double precision', (column: any) => column.notNull())
    .addColumn('bucket_ms', 'double precision', (column: any) => column.notNull())
    .addColumn('count', 'bigint', (column: any) => column.notNull())
    .addColumn('finite_count', 'bigint', (column: any) => column.notNull())
    .addColumn('sum', 'double precision', (column: any) => column.notNull())
    .addColumn('min', 'double precision')
    .addColumn('max', 'double precision')
    .addColumn('first_step', 'bigint', (column: any) => column.notNull())
    .addColumn('last_step', 'bigint', (column: any) => column.notNull())
    .execute();
  await db.schema
    .createIndex(`${tables.aggregates}_series`)
    .ifNotExists()
    .on(tables.aggregates)
    .columns(['series_id', 'bucket_start'])
    .execute();

  await idColumn(db.schema.createTable(tables.alerts).ifNotExists(), dialect)
    .addColumn('alert_id', key, (column: any) => column.notNull())
    .addColumn('rule_id', key, (column: any) => column.notNull())
    .addColumn('kind', 'varchar(32)', (column: any) => column.notNull())
    .addColumn('severity', 'varchar(16)', (column: any) => column.notNull())
    .addColumn('metric', key, (column: any) => column.notNull())
    .addColumn('run_id', key, (column: any) => column.notNull())
    .addColumn('task_id', key)
    .addColumn('step', 'bigint', (column: any) => column.notNull())
    .addColumn('value', 'double precision')
    .addColumn('special', 'varchar(16)')
    .addColumn('threshold', 'double precision')
    .addColumn('reference', 'double precision')
    .addColumn('message', 'text', (column: any) => column.notNull())
    .addColumn('wall_time', 'double precision', (column: any) => column.notNull())
    .execute();
  await db.schema.createIndex(`${tables.alerts}_time`).ifNotExists().on(tables.alerts).column('wall_time').execute();

  await idColumn(db.schema.createTable(tables.snapshots).ifNotExists(), dialect)
    .addColumn('run_id', key, (column: any) => column.notNull())
    .addColumn('wall_time', 'double precision', (column: any) => column.notNull())
    .addColumn('health', 'varchar(16)', (column: any) => column.notNull())
    .addColumn('data', 'text', (column: any) => column.notNull())
    .execute();
}

async function dropMetricTables(db: Kysely<any>, prefix: string): Promise<void> {
  const tables = monitoringTableNames(prefix);
  for (const table of [tables.points, tables.aggregates, tables.series, tables.alerts, tables.snapshots]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

/**
 * The migrations of the metric tables under a custom prefix (for several sinks in one database).
 * The set's namespace is `monitoring_<prefix>` so its bookkeeping never meets the default set's.
 */
export function prefixedMetricMigrations(prefix: string): MetricMigrationSet {
  monitoringTableNames(prefix); // validates the prefix
  const namespace = prefix === 'holomind_' ? 'monitoring' : `monitoring_${prefix.toLowerCase().replace(/_+$/, '')}`;
  return {
    namespace,
    migrations: {
      '0001-metric-tables': {
        up: (db, context) => createMetricTables(db, context.dialect, prefix),
        down: (db) => dropMetricTables(db, prefix),
      },
    },
  };
}

/**
 * The tables of `SqlMetricSink` (metric series, points, aggregates, alerts, dashboard snapshots)
 * under the default `holomind_` prefix. Apply with `@holomind/db`:
 * `migrateToLatest(db, { migrations: [experimentMigrations, metricMigrations] })`.
 */
export const metricMigrations: MetricMigrationSet = prefixedMetricMigrations('holomind_');
