/* eslint-disable @typescript-eslint/no-explicit-any -- table names carry a caller-chosen prefix, so Kysely cannot type them */
import type { Kysely } from 'kysely';
import { MonitoringError, describeValue } from '../errors.js';

/** SQL dialects the sink writes DDL for (both tested against real databases). */
export type SqlDialectName = 'sqlite' | 'postgres';

/** The table names the sink uses. */
export interface MonitoringTableNames {
  series: string;
  points: string;
  aggregates: string;
  alerts: string;
  snapshots: string;
}

/**
 * Table names for a prefix (default `holomind_`): `<prefix>metric_series`, `…metric_points`,
 * `…metric_aggregates`, `…alerts`, `…snapshots`.
 */
export function monitoringTableNames(prefix = 'holomind_'): MonitoringTableNames {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) {
    throw new MonitoringError(
      'INVALID_ARGUMENT',
      `tablePrefix ${describeValue(prefix)} must be letters, digits and underscores.`,
    );
  }
  return {
    series: `${prefix}metric_series`,
    points: `${prefix}metric_points`,
    aggregates: `${prefix}metric_aggregates`,
    alerts: `${prefix}alerts`,
    snapshots: `${prefix}snapshots`,
  };
}

/**
 * Which dialect a Kysely instance speaks, from its adapter's class name (`SqliteAdapter`,
 * `PostgresAdapter`, `PGliteAdapter`). Throws `UNSUPPORTED_DIALECT` asking for the
 * `dialect` option when it cannot tell.
 */
export function detectDialect(db: Kysely<any>): SqlDialectName {
  let adapter: unknown;
  try {
    // getExecutor() is marked internal in Kysely; read defensively and fall back to the option.
    adapter = (db as unknown as { getExecutor?: () => { adapter?: unknown } }).getExecutor?.()?.adapter;
  } catch {
    adapter = undefined;
  }
  const names: string[] = [];
  for (
    let proto = adapter ? Object.getPrototypeOf(adapter) : null;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    names.push(String((proto as { constructor?: { name?: string } }).constructor?.name ?? ''));
  }
  if (names.some((name) => /sqlite/i.test(name))) return 'sqlite';
  if (names.some((name) => /postgres|pglite/i.test(name))) return 'postgres';
  throw new MonitoringError(
    'UNSUPPORTED_DIALECT',
    `Cannot tell the SQL dialect of this Kysely instance (adapter ${names[0] ?? 'unknown'}); pass dialect: 'sqlite' or 'postgres' (the dialects this sink supports).`,
  );
}

function idColumn(builder: any, dialect: SqlDialectName): any {
  // SQLite: INTEGER PRIMARY KEY is the rowid, increasing as long as the newest row is never deleted
  // (retention deletes the oldest). PostgreSQL: bigserial.
  if (dialect === 'sqlite') return builder.addColumn('id', 'integer', (column: any) => column.primaryKey());
  return builder.addColumn('id', 'bigserial', (column: any) => column.primaryKey());
}

/**
 * Creates the sink's tables and indexes if they do not exist (idempotent). Usable as the `up` of a
 * Kysely `Migration`: `{ up: (db) => createMonitoringTables(db, 'postgres') }`.
 */
export async function createMonitoringTables(db: Kysely<any>, dialect: SqlDialectName, prefix = 'holomind_'): Promise<void> {
  const tables = monitoringTableNames(prefix);
  const key = 'varchar(255)';
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

/** Drops the sink's tables (the `down` of a migration). */
export async function dropMonitoringTables(db: Kysely<any>, prefix = 'holomind_'): Promise<void> {
  const tables = monitoringTableNames(prefix);
  for (const table of [tables.points, tables.aggregates, tables.series, tables.alerts, tables.snapshots]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
