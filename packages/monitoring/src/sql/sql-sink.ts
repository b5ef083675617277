/* eslint-disable @typescript-eslint/no-explicit-any -- table names carry a caller-chosen prefix, so Kysely cannot type them */
import type { Kysely } from 'kysely';
import { MonitoringError, describeValue } from '../errors.js';
import { normalizeTaskId } from '../metrics-tracker.js';
import type {
  AlertKind,
  AlertRecord,
  AlertSeverity,
  DashboardSnapshot,
  HealthStatus,
  MetricPoint,
  MetricSink,
  TaskId,
} from '../types.js';
import {
  createMonitoringTables,
  detectDialect,
  monitoringTableNames,
  type MonitoringTableNames,
  type SqlDialectName,
} from './sql-schema.js';

/** What to keep: raw points become aggregates after `downsampleAfterMs`; everything goes after `maxAgeMs`. */
export interface RetentionPolicy {
  /** Points and aggregates older than this are deleted. */
  maxAgeMs?: number;
  /** At most this many raw point rows are kept; older ones are downsampled (when `downsampleAfterMs` or `bucketMs` is set) or deleted. */
  maxRows?: number;
  /** Raw points older than this are replaced by per-bucket aggregates (count, sum, min, max). */
  downsampleAfterMs?: number;
  /** Aggregate bucket width. Default 60,000 ms. */
  bucketMs?: number;
}

/** Options of {@link SqlMetricSink}. */
export interface SqlMetricSinkOptions {
  /** Detected from the Kysely adapter when left out. */
  dialect?: SqlDialectName;
  /** Table name prefix. Default `holomind_`. */
  tablePrefix?: string;
  /** Points per INSERT statement (4 parameters each). Default 2,000. */
  batchSize?: number;
  /** Buffered rows are written at least this often (timer is `unref`ed). Default 1,000 ms. */
  flushIntervalMs?: number;
  /** Create the tables on first use. Default true; set false when you run `createMonitoringTables` in your own migrations. */
  migrate?: boolean;
  retention?: RetentionPolicy;
  /** Applies `retention` this often (timer is `unref`ed). Default: only when `applyRetention()` is called. */
  retentionIntervalMs?: number;
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Called with errors of background writes (they are also rethrown by the next `flush()`). Default `console.error`. */
  onError?: (error: unknown) => void;
}

/** Selects stored rows; omitted fields match everything. */
export interface SqlReadFilter {
  metric?: string;
  runId?: string;
  taskId?: TaskId | null;
  /** Rows at or after this time (ms since the epoch). */
  since?: number;
  /** Rows before this time. */
  until?: number;
  limit?: number;
}

/** A downsampled bucket of one series, merged over partial rows. */
export interface MetricAggregate {
  runId: string;
  metric: string;
  taskId: string | null;
  bucketStart: number;
  bucketMs: number;
  count: number;
  nonFiniteCount: number;
  /** Over finite values; NaN when the bucket had none. */
  min: number;
  max: number;
  mean: number;
  firstStep: number;
  lastStep: number;
}

/** What one retention pass did. */
export interface RetentionResult {
  downsampledPoints: number;
  aggregateRows: number;
  deletedPoints: number;
  deletedAggregates: number;
}

type PendingWrite =
  | { table: 'points'; rows: MetricPoint[] }
  | { table: 'alerts'; rows: AlertRecord[] }
  | { table: 'snapshots'; rows: DashboardSnapshot[] };

const POINT_COLUMNS = ['series_id', 'step', 'wall_time', 'value'] as const;
const DOWNSAMPLE_CHUNK = 10_000;

/** A Kysely-compiled query (the `CompiledQuery` shape), re-run with new parameters. */
interface CompiledInsert {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  readonly query: unknown;
  readonly queryId?: unknown;
}

/**
 * A `MetricSink` storing points, alerts and snapshots in SQL through a Kysely instance the caller
 * creates (SQLite via better-sqlite3, PostgreSQL via pg or PGlite): buffered multi-row INSERTs in
 * one transaction per flush, retention by age and row count, and downsampled aggregates for old data.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * import { Kysely, SqliteDialect } from 'kysely';
 * const db = new Kysely({ dialect: new SqliteDialect({ database: new Database('metrics.db') }) });
 * const sink = new SqlMetricSink(db, { retention: { downsampleAfterMs: 86_400_000, maxAgeMs: 30 * 86_400_000 } });
 * const tracker = new MetricsTracker({ sinks: [sink] });
 * ```
 */
export class SqlMetricSink implements MetricSink {
  readonly dialect: SqlDialectName;
  readonly tables: MonitoringTableNames;
  private readonly db: Kysely<any>;
  private readonly tablePrefix: string;
  private readonly batchSize: number;
  private readonly autoMigrate: boolean;
  private readonly retention: RetentionPolicy;
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;
  private points: MetricPoint[] = [];
  private alerts: AlertRecord[] = [];
  private snapshots: DashboardSnapshot[] = [];
  private ready: Promise<void> | undefined;
  /** `run\0metric\0task` → series id, filled as series are first written or read. */
  private readonly seriesIds = new Map<string, number>();
  /** INSERT statements for `n` point rows, compiled once by Kysely; only the parameters change. */
  private readonly compiledInserts = new Map<number, CompiledInsert | null>();
  private writing: Promise<void> = Promise.resolve();
  private readonly errors: unknown[] = [];
  private readonly flushTimer: ReturnType<typeof setInterval>;
  private readonly retentionTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  /** `db`: any Kysely instance (the sink only touches its own tables); the caller owns and destroys it. */
  constructor(db: Kysely<any>, options: SqlMetricSinkOptions = {}) {
    if (!db || typeof (db as { insertInto?: unknown }).insertInto !== 'function' || !(db as { schema?: unknown }).schema) {
      throw new MonitoringError(
        'INVALID_ARGUMENT',
        'SqlMetricSink needs a Kysely instance: new SqlMetricSink(new Kysely({ dialect })).',
      );
    }
    this.db = db;
    this.dialect = options.dialect ?? detectDialect(db);
    if (this.dialect !== 'sqlite' && this.dialect !== 'postgres') {
      throw new MonitoringError(
        'UNSUPPORTED_DIALECT',
        `dialect ${describeValue(this.dialect)} is not supported; use 'sqlite' or 'postgres'.`,
      );
    }
    this.tablePrefix = options.tablePrefix ?? 'holomind_';
    this.tables = monitoringTableNames(this.tablePrefix);
    this.batchSize = options.batchSize ?? 2000;
    // SQLite allows 32,766 bound parameters per statement, PostgreSQL 65,535.
    if (!Number.isSafeInteger(this.batchSize) || this.batchSize < 1 || this.batchSize * POINT_COLUMNS.length > 32_766) {
      throw new MonitoringError(
        'INVALID_ARGUMENT',
        `batchSize ${describeValue(options.batchSize)} must be an integer in 1..8191.`,
      );
    }
    this.autoMigrate = options.migrate ?? true;
    this.retention = validateRetention(options.retention ?? {});
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? ((error) => console.error('[@holomind/monitoring] SQL sink write failed:', error));
    const flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.flushTimer = setInterval(() => this.startWrite(), flushIntervalMs);
    this.flushTimer.unref();
    if (options.retentionIntervalMs !== undefined) {
      this.retentionTimer = setInterval(() => {
        this.applyRetention().catch((error: unknown) => this.recordError(error));
      }, options.retentionIntervalMs);
      this.retentionTimer.unref();
    }
  }

  /** Creates the tables if needed (idempotent); called on first write unless `migrate: false`. */
  migrate(): Promise<void> {
    this.ready ??= createMonitoringTables(this.db, this.dialect, this.tablePrefix);
    return this.ready;
  }

  writePoints(points: readonly MetricPoint[]): void {
    this.assertOpen();
    for (const point of points) this.points.push(point);
    if (this.points.length >= this.batchSize) this.startWrite(true);
  }

  writeAlert(alert: AlertRecord): void {
    this.assertOpen();
    this.alerts.push(alert);
  }

  writeSnapshot(snapshot: DashboardSnapshot): void {
    this.assertOpen();
    this.snapshots.push(snapshot);
  }

  /** Writes everything buffered; rejects with `SINK_FAILED` if a write failed since the last flush. */
  async flush(): Promise<void> {
    this.startWrite();
    await this.writing;
    if (this.errors.length > 0) {
      const errors = this.errors.splice(0);
      const first = errors[0] instanceof Error ? errors[0].message : String(errors[0]);
      throw new MonitoringError('SINK_FAILED', `SQL sink: ${errors.length} write(s) failed; first: ${first}`, {
        cause: errors.length === 1 ? errors[0] : new AggregateError(errors),
      });
    }
  }

  /** Flushes and stops the timers. Does not destroy the Kysely instance (the caller owns it). */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.flushTimer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    try {
      await this.flush();
    } finally {
      this.closed = true;
    }
  }

  /** Stored points, oldest first (by insertion). Non-finite values come back as NaN / ±Infinity. */
  async readPoints(filter: SqlReadFilter = {}): Promise<MetricPoint[]> {
    await this.flushBeforeRead();
    let query = this.filtered(
      this.joinSeries(this.tables.points).selectAll('p').select(['s.run_id', 's.metric', 's.task_id']),
      filter,
      'p.wall_time',
      's',
    ).orderBy('p.id');
    if (filter.limit !== undefined) query = query.limit(filter.limit);
    const rows = await query.execute();
    return rows.map((row: any) => ({
      runId: row.run_id,
      metric: row.metric,
      taskId: row.task_id === '' ? null : row.task_id,
      step: Number(row.step),
      value: row.value === null ? Number.NaN : Number(row.value),
      wallTime: Number(row.wall_time),
    }));
  }

  /** Number of raw point rows stored. */
  async countPoints(): Promise<number> {
    await this.flushBeforeRead();
    const row: any = await this.db
      .selectFrom(this.tables.points)
      .select((eb: any) => eb.fn.countAll().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Downsampled buckets, partial rows merged, sorted by series then bucket. */
  async readAggregates(filter: Omit<SqlReadFilter, 'limit'> = {}): Promise<MetricAggregate[]> {
    await this.flushBeforeRead();
    const rows = await this.filtered(
      this.joinSeries(this.tables.aggregates).selectAll('p').select(['s.run_id', 's.metric', 's.task_id']),
      filter,
      'p.bucket_start',
      's',
    ).execute();
    const merged = new Map<string, MetricAggregate & { sum: number; finite: number }>();
    for (const row of rows as any[]) {
      const key = `${row.series_id}\u0000${row.bucket_start}\u0000${row.bucket_ms}`;
      const finite = Number(row.finite_count);
      const count = Number(row.count);
      const entry = merged.get(key);
      const min = row.min === null ? Infinity : Number(row.min);
      const max = row.max === null ? -Infinity : Number(row.max);
      if (entry === undefined) {
        merged.set(key, {
          runId: row.run_id,
          metric: row.metric,
          taskId: row.task_id === '' ? null : row.task_id,
          bucketStart: Number(row.bucket_start),
          bucketMs: Number(row.bucket_ms),
          count,
          nonFiniteCount: count - finite,
          min,
          max,
          mean: Number.NaN,
          firstStep: Number(row.first_step),
          lastStep: Number(row.last_step),
          sum: Number(row.sum),
          finite,
        });
      } else {
        entry.count += count;
        entry.nonFiniteCount += count - finite;
        entry.finite += finite;
        entry.sum += Number(row.sum);
        entry.min = Math.min(entry.min, min);
        entry.max = Math.max(entry.max, max);
        entry.firstStep = Math.min(entry.firstStep, Number(row.first_step));
        entry.lastStep = Math.max(entry.lastStep, Number(row.last_step));
      }
    }
    return [...merged.values()]
      .map(({ sum, finite, ...aggregate }) => ({
        ...aggregate,
        min: finite > 0 ? aggregate.min : Number.NaN,
        max: finite > 0 ? aggregate.max : Number.NaN,
        mean: finite > 0 ? sum / finite : Number.NaN,
      }))
      .sort(
        (a, b) =>
          a.metric.localeCompare(b.metric) ||
          a.runId.localeCompare(b.runId) ||
          (a.taskId ?? '').localeCompare(b.taskId ?? '') ||
          a.bucketStart - b.bucketStart,
      );
  }

  /** Stored alerts, oldest first. */
  async readAlerts(filter: SqlReadFilter & { severity?: AlertSeverity } = {}): Promise<AlertRecord[]> {
    await this.flushBeforeRead();
    let query = this.filtered(this.db.selectFrom(this.tables.alerts).selectAll(), filter, 'wall_time').orderBy('id');
    if (filter.severity !== undefined) query = query.where('severity', '=', filter.severity);
    if (filter.limit !== undefined) query = query.limit(filter.limit);
    const rows = await query.execute();
    return rows.map((row: any) => ({
      id: row.alert_id,
      ruleId: row.rule_id,
      kind: row.kind as AlertKind,
      severity: row.severity as AlertSeverity,
      metric: row.metric,
      runId: row.run_id,
      taskId: row.task_id,
      step: Number(row.step),
      value: readValue(row.value, row.special),
      threshold: row.threshold === null ? null : Number(row.threshold),
      reference: row.reference === null ? null : Number(row.reference),
      message: row.message,
      wallTime: Number(row.wall_time),
    }));
  }

  /** Stored snapshots, oldest first. */
  async readSnapshots(filter: Pick<SqlReadFilter, 'runId' | 'since' | 'until' | 'limit'> = {}): Promise<DashboardSnapshot[]> {
    await this.flushBeforeRead();
    let query = this.filtered(this.db.selectFrom(this.tables.snapshots).selectAll(), filter, 'wall_time').orderBy('id');
    if (filter.limit !== undefined) query = query.limit(filter.limit);
    const rows = await query.execute();
    return rows.map((row: any) => ({
      runId: row.run_id,
      wallTime: Number(row.wall_time),
      health: row.health as HealthStatus,
      data: JSON.parse(row.data) as unknown,
    }));
  }

  /**
   * One retention pass: raw points past `downsampleAfterMs` or beyond `maxRows` are folded into
   * aggregates (or deleted when downsampling is off), then rows past `maxAgeMs` are deleted.
   */
  async applyRetention(): Promise<RetentionResult> {
    await this.flush();
    // Queue behind writes so retention never interleaves with a batch insert.
    const pass = this.writing.then(() => this.retentionPass());
    this.writing = pass.then(
      () => undefined,
      () => undefined,
    );
    return pass;
  }

  private async retentionPass(): Promise<RetentionResult> {
    await this.migrate();
    const result: RetentionResult = { downsampledPoints: 0, aggregateRows: 0, deletedPoints: 0, deletedAggregates: 0 };
    const now = this.now();
    const { maxAgeMs, maxRows, downsampleAfterMs } = this.retention;
    const bucketMs = this.retention.bucketMs ?? 60_000;
    let idCutoff: number | undefined;
    if (maxRows !== undefined) {
      const row: any = await this.db
        .selectFrom(this.tables.points)
        .select('id')
        .orderBy('id', 'desc')
        .limit(1)
        .offset(maxRows)
        .executeTakeFirst();
      if (row) idCutoff = Number(row.id);
    }
    const timeCutoff = downsampleAfterMs !== undefined ? now - downsampleAfterMs : undefined;
    const expired = (eb: any) => {
      const conditions = [];
      if (timeCutoff !== undefined) conditions.push(eb('wall_time', '<', timeCutoff));
      if (idCutoff !== undefined) conditions.push(eb('id', '<=', idCutoff));
      return eb.or(conditions);
    };
    const downsampling = downsampleAfterMs !== undefined || this.retention.bucketMs !== undefined;
    if (downsampling && (timeCutoff !== undefined || idCutoff !== undefined)) {
      let afterId = -1;
      for (;;) {
        const rows: any[] = await this.db
          .selectFrom(this.tables.points)
          .selectAll()
          .where('id', '>', afterId)
          .where(expired)
          .orderBy('id')
          .limit(DOWNSAMPLE_CHUNK)
          .execute();
        if (rows.length === 0) break;
        const firstId = Number(rows[0].id);
        const lastId = Number(rows.at(-1).id);
        afterId = lastId;
        const aggregates = aggregateRows(rows, bucketMs);
        await this.db.transaction().execute(async (transaction: any) => {
          for (let i = 0; i < aggregates.length; i += 1000) {
            await transaction
              .insertInto(this.tables.aggregates)
              .values(aggregates.slice(i, i + 1000))
              .execute();
          }
          await transaction
            .deleteFrom(this.tables.points)
            .where('id', '>=', firstId)
            .where('id', '<=', lastId)
            .where(expired)
            .execute();
        });
        result.downsampledPoints += rows.length;
        result.aggregateRows += aggregates.length;
      }
    } else if (idCutoff !== undefined) {
      const deleted = await this.db.deleteFrom(this.tables.points).where('id', '<=', idCutoff).executeTakeFirst();
      result.deletedPoints += Number(deleted.numDeletedRows);
    }
    if (maxAgeMs !== undefined) {
      const ageCutoff = now - maxAgeMs;
      const points = await this.db.deleteFrom(this.tables.points).where('wall_time', '<', ageCutoff).executeTakeFirst();
      result.deletedPoints += Number(points.numDeletedRows);
      const aggregates = await this.db
        .deleteFrom(this.tables.aggregates)
        .where((eb: any) => eb(eb('bucket_start', '+', eb.ref('bucket_ms')), '<=', ageCutoff))
        .executeTakeFirst();
      result.deletedAggregates += Number(aggregates.numDeletedRows);
    }
    return result;
  }

  /** `table as p` joined with its series as `s`. */
  private joinSeries(table: string): any {
    return this.db.selectFrom(`${table} as p`).innerJoin(`${this.tables.series} as s`, 's.id', 'p.series_id');
  }

  /**
   * Applies `filter`. `seriesAlias` is set for queries joined with the series table (points,
   * aggregates), where "no task" is stored as ''; alerts keep their own columns with NULL.
   */
  private filtered(query: any, filter: SqlReadFilter, timeColumn: string, seriesAlias?: 's'): any {
    const column = (name: string) => (seriesAlias ? `${seriesAlias}.${name}` : name);
    if (filter.metric !== undefined) query = query.where(column('metric'), '=', filter.metric);
    if (filter.runId !== undefined) query = query.where(column('run_id'), '=', filter.runId);
    if (filter.taskId !== undefined) {
      const taskId = normalizeTaskId(filter.taskId);
      if (seriesAlias) query = query.where(column('task_id'), '=', taskId ?? '');
      else query = taskId === null ? query.where('task_id', 'is', null) : query.where('task_id', '=', taskId);
    }
    if (filter.since !== undefined) query = query.where(timeColumn, '>=', filter.since);
    if (filter.until !== undefined) query = query.where(timeColumn, '<', filter.until);
    return query;
  }

  private async flushBeforeRead(): Promise<void> {
    if (!this.closed) await this.flush();
    await this.migrate();
  }

  /**
   * Takes what is buffered and queues its write behind earlier writes. `fullBatchesOnly` leaves a
   * partial batch of points in the buffer, so every INSERT carries `batchSize` rows.
   */
  private startWrite(fullBatchesOnly = false): void {
    const pending: PendingWrite[] = [];
    const take = fullBatchesOnly ? this.points.length - (this.points.length % this.batchSize) : this.points.length;
    if (take > 0) pending.push({ table: 'points', rows: this.points.splice(0, take) });
    if (this.alerts.length > 0) pending.push({ table: 'alerts', rows: this.alerts.splice(0) });
    if (this.snapshots.length > 0) pending.push({ table: 'snapshots', rows: this.snapshots.splice(0) });
    if (pending.length === 0) return;
    this.writing = this.writing.then(() => this.write(pending)).catch((error: unknown) => this.recordError(error));
  }

  private async write(pending: PendingWrite[]): Promise<void> {
    if (this.autoMigrate) await this.migrate();
    const points = pending.find((write) => write.table === 'points')?.rows as MetricPoint[] | undefined;
    if (points) await this.resolveSeries(points);
    await this.db.transaction().execute(async (transaction: any) => {
      for (const write of pending) {
        if (write.table === 'points') {
          for (let i = 0; i < write.rows.length; i += this.batchSize)
            await this.insertPoints(transaction, write.rows.slice(i, i + this.batchSize));
        } else if (write.table === 'alerts') {
          await transaction.insertInto(this.tables.alerts).values(write.rows.map(alertRow)).execute();
        } else {
          await transaction.insertInto(this.tables.snapshots).values(write.rows.map(snapshotRow)).execute();
        }
      }
    });
  }

  /** Makes sure every series of `points` has a row and its id is cached. */
  private async resolveSeries(points: readonly MetricPoint[]): Promise<void> {
    const missing = new Map<string, { run_id: string; metric: string; task_id: string }>();
    for (const point of points) {
      const key = seriesKey(point.runId, point.metric, point.taskId ?? '');
      if (!this.seriesIds.has(key) && !missing.has(key))
        missing.set(key, { run_id: point.runId, metric: point.metric, task_id: point.taskId ?? '' });
    }
    if (missing.size === 0) return;
    const rows = [...missing.values()];
    for (let i = 0; i < rows.length; i += 500) {
      // Another writer may have created the same series: the unique key makes that a no-op.
      await this.db
        .insertInto(this.tables.series)
        .values(rows.slice(i, i + 500))
        .onConflict((conflict: any) => conflict.columns(['run_id', 'metric', 'task_id']).doNothing())
        .execute();
    }
    const runIds = [...new Set(rows.map((row) => row.run_id))];
    const metrics = [...new Set(rows.map((row) => row.metric))];
    for (let i = 0; i < metrics.length; i += 500) {
      const found = await this.db
        .selectFrom(this.tables.series)
        .select(['id', 'run_id', 'metric', 'task_id'])
        .where('run_id', 'in', runIds)
        .where('metric', 'in', metrics.slice(i, i + 500))
        .execute();
      for (const row of found as any[]) this.seriesIds.set(seriesKey(row.run_id, row.metric, row.task_id), Number(row.id));
    }
  }

  /**
   * One multi-row INSERT. The SQL for `rows.length` rows is compiled by Kysely once and reused with
   * new parameters: building and compiling a 2,000-row query per batch would cost more than SQLite's insert.
   */
  private async insertPoints(transaction: any, points: readonly MetricPoint[]): Promise<void> {
    const parameters: unknown[] = new Array(points.length * POINT_COLUMNS.length);
    let offset = 0;
    for (const point of points) {
      parameters[offset++] = this.seriesIds.get(seriesKey(point.runId, point.metric, point.taskId ?? ''));
      parameters[offset++] = point.step;
      parameters[offset++] = point.wallTime;
      parameters[offset++] = point.value;
    }
    const compiled = this.compiledInsert(points.length);
    if (compiled) {
      await transaction.executeQuery({ ...compiled, parameters });
      return;
    }
    const rows = [];
    for (let i = 0; i < parameters.length; i += POINT_COLUMNS.length) {
      rows.push(Object.fromEntries(POINT_COLUMNS.map((column, j) => [column, parameters[i + j]])));
    }
    await transaction.insertInto(this.tables.points).values(rows).execute();
  }

  /**
   * Kysely's compiled INSERT for `count` rows, or null when its parameters do not come out in
   * row-major column order (checked with numbered placeholders), in which case the builder is used.
   */
  private compiledInsert(count: number): CompiledInsert | null {
    if (this.compiledInserts.has(count)) return this.compiledInserts.get(count)!;
    let n = 0;
    const template = Array.from({ length: count }, () => Object.fromEntries(POINT_COLUMNS.map((column) => [column, n++])));
    const compiled = this.db.insertInto(this.tables.points).values(template).compile() as CompiledInsert;
    const ordered = compiled.parameters.length === n && compiled.parameters.every((value, index) => value === index);
    const result = ordered ? compiled : null;
    // Keep a few sizes: full batches and the occasional remainder.
    if (this.compiledInserts.size > 8) this.compiledInserts.clear();
    this.compiledInserts.set(count, result);
    return result;
  }

  private recordError(error: unknown): void {
    this.errors.push(error);
    try {
      this.onError(error);
    } catch {
      // Kept in `errors` and rethrown by flush(); a failing reporter must not hide it.
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new MonitoringError('WRITER_CLOSED', 'SqlMetricSink is closed; create a new sink to keep writing.');
  }
}

function splitValue(value: number): { value: number | null; special: string | null } {
  return Number.isFinite(value) ? { value, special: null } : { value: null, special: String(value) };
}

function readValue(value: unknown, special: string | null): number {
  if (special !== null && special !== undefined) return Number(special);
  return value === null ? Number.NaN : Number(value);
}

function seriesKey(runId: string, metric: string, taskId: string): string {
  return `${runId}\u0000${metric}\u0000${taskId}`;
}

function alertRow(alert: AlertRecord) {
  return {
    alert_id: alert.id,
    rule_id: alert.ruleId,
    kind: alert.kind,
    severity: alert.severity,
    metric: alert.metric,
    run_id: alert.runId,
    task_id: alert.taskId,
    step: alert.step,
    ...splitValue(alert.value),
    threshold: alert.threshold,
    reference: alert.reference,
    message: alert.message,
    wall_time: alert.wallTime,
  };
}

function snapshotRow(snapshot: DashboardSnapshot) {
  return {
    run_id: snapshot.runId,
    wall_time: snapshot.wallTime,
    health: snapshot.health,
    // JSON has no NaN/Infinity; spell them as strings rather than silently writing null.
    data: JSON.stringify(snapshot.data, (_key, value: unknown) =>
      typeof value === 'number' && !Number.isFinite(value) ? String(value) : value,
    ),
  };
}

function aggregateRows(rows: any[], bucketMs: number) {
  const buckets = new Map<
    string,
    {
      series_id: number;
      bucket_start: number;
      bucket_ms: number;
      count: number;
      finite_count: number;
      sum: number;
      min: number | null;
      max: number | null;
      first_step: number;
      last_step: number;
    }
  >();
  for (const row of rows) {
    const bucketStart = Math.floor(Number(row.wall_time) / bucketMs) * bucketMs;
    const key = `${row.series_id}\u0000${bucketStart}`;
    const step = Number(row.step);
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      bucket = {
        series_id: Number(row.series_id),
        bucket_start: bucketStart,
        bucket_ms: bucketMs,
        count: 0,
        finite_count: 0,
        sum: 0,
        min: null,
        max: null,
        first_step: step,
        last_step: step,
      };
      buckets.set(key, bucket);
    }
    bucket.count += 1;
    bucket.first_step = Math.min(bucket.first_step, step);
    bucket.last_step = Math.max(bucket.last_step, step);
    const value = row.value === null ? Number.NaN : Number(row.value);
    if (Number.isFinite(value)) {
      bucket.finite_count += 1;
      bucket.sum += value;
      bucket.min = bucket.min === null ? value : Math.min(bucket.min, value);
      bucket.max = bucket.max === null ? value : Math.max(bucket.max, value);
    }
  }
  return [...buckets.values()];
}

function validateRetention(policy: RetentionPolicy): RetentionPolicy {
  for (const [name, value] of Object.entries(policy)) {
    if (!['maxAgeMs', 'maxRows', 'downsampleAfterMs', 'bucketMs'].includes(name)) {
      throw new MonitoringError(
        'INVALID_ARGUMENT',
        `retention.${name} is unknown; use maxAgeMs, maxRows, downsampleAfterMs, bucketMs.`,
      );
    }
    if (value === undefined) continue;
    const integer = name === 'maxRows';
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (integer && !Number.isSafeInteger(value))) {
      throw new MonitoringError(
        'INVALID_ARGUMENT',
        `retention.${name} ${describeValue(value)} must be a ${integer ? 'non-negative integer' : 'finite number ≥ 0 (ms)'}.`,
      );
    }
  }
  if (policy.bucketMs !== undefined && policy.bucketMs <= 0) {
    throw new MonitoringError('INVALID_ARGUMENT', `retention.bucketMs ${policy.bucketMs} must be > 0.`);
  }
  return { ...policy };
}
