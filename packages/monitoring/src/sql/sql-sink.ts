import { describeValue } from '@holomind/core';
/* eslint-disable @typescript-eslint/no-explicit-any -- table names carry a caller-chosen prefix, so Kysely cannot type them */
import type { Kysely } from 'kysely';
import { MonitoringError } from '../errors.js';
import type { AlertRecord, AlertSeverity, DashboardSnapshot, MetricPoint, MetricSink } from '../types.js';
import { monitoringTableNames, type MonitoringTableNames } from './metric-tables.js';
import { POINT_COLUMNS } from './point-insert.js';
import { SqlMetricReader, type MetricAggregate, type SqlReadFilter, type StoredAccuracyMatrix } from './readers.js';
import { applyRetentionPass, validateRetention, type MetricRetentionPolicy, type RetentionResult } from './retention.js';
import { SqlWriteBuffer } from './write-buffer.js';

/** Options of {@link SqlMetricSink}. */
export interface SqlMetricSinkOptions {
  /** Table name prefix; the tables come from `prefixedMetricMigrations(prefix)`. Default `holomind_`. */
  tablePrefix?: string;
  /** Points per INSERT statement (4 parameters each). Default 2,000. */
  batchSize?: number;
  /** Buffered rows are written at least this often (timer is `unref`ed). Default 1,000 ms. */
  flushIntervalMs?: number;
  retention?: MetricRetentionPolicy;
  /** Applies `retention` this often (timer is `unref`ed). Default: only when `applyRetention()` is called. */
  retentionIntervalMs?: number;
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Called with errors of background writes (they are also rethrown by the next `flush()`). Default `console.error`. */
  onError?: (error: unknown) => void;
}

/**
 * The one writer of HoloMind's metric tables: a `MetricSink` storing points, alerts and snapshots
 * in SQL through a Kysely instance the caller creates and migrates (`metricMigrations`, applied by
 * `@holomind/db`'s `migrateToLatest`). Buffered multi-row INSERTs in one transaction per flush,
 * retention by age and row count, downsampled aggregates for old data, and readers for all of it.
 *
 * @example
 * ```ts
 * const db = await createDatabase('sqlite:./holomind.db'); // @holomind/db
 * await migrateToLatest(db, { migrations: [metricMigrations] });
 * const sink = new SqlMetricSink(db, { retention: { downsampleAfterMs: 86_400_000, maxAgeMs: 30 * 86_400_000 } });
 * const tracker = new MetricsTracker({ sinks: [sink] });
 * ```
 */
export class SqlMetricSink implements MetricSink {
  readonly tables: MonitoringTableNames;
  private readonly db: Kysely<any>;
  private readonly buffer: SqlWriteBuffer;
  private readonly reader: SqlMetricReader;
  private readonly retention: MetricRetentionPolicy;
  private readonly now: () => number;
  private readonly flushTimer: ReturnType<typeof setInterval>;
  private readonly retentionTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  /** `db`: any migrated Kysely instance (the sink only touches its own tables); the caller owns and destroys it. */
  constructor(db: Kysely<any>, options: SqlMetricSinkOptions = {}) {
    if (!db || typeof (db as { insertInto?: unknown }).insertInto !== 'function' || !(db as { schema?: unknown }).schema) {
      throw new MonitoringError(
        'INVALID_ARGUMENT',
        'SqlMetricSink needs a Kysely instance: new SqlMetricSink(new Kysely({ dialect })).',
      );
    }
    this.db = db;
    this.tables = monitoringTableNames(options.tablePrefix ?? 'holomind_');
    const batchSize = options.batchSize ?? 2000;
    // SQLite allows 32,766 bound parameters per statement, PostgreSQL 65,535.
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize * POINT_COLUMNS.length > 32_766) {
      throw new MonitoringError(
        'INVALID_ARGUMENT',
        `batchSize ${describeValue(options.batchSize)} must be an integer in 1..8191.`,
      );
    }
    this.retention = validateRetention(options.retention ?? {});
    this.now = options.now ?? Date.now;
    const onError = options.onError ?? ((error) => console.error('[@holomind/monitoring] SQL sink write failed:', error));
    this.buffer = new SqlWriteBuffer(db, this.tables, batchSize, onError);
    this.reader = new SqlMetricReader(db, this.tables);
    this.flushTimer = setInterval(() => this.buffer.startWrite(), options.flushIntervalMs ?? 1000);
    this.flushTimer.unref();
    if (options.retentionIntervalMs !== undefined) {
      this.retentionTimer = setInterval(() => {
        this.applyRetention().catch((error: unknown) => this.buffer.recordError(error));
      }, options.retentionIntervalMs);
      this.retentionTimer.unref();
    }
  }

  writePoints(points: readonly MetricPoint[]): void {
    this.assertOpen();
    this.buffer.addPoints(points);
  }

  writeAlert(alert: AlertRecord): void {
    this.assertOpen();
    this.buffer.addAlert(alert);
  }

  writeSnapshot(snapshot: DashboardSnapshot): void {
    this.assertOpen();
    this.buffer.addSnapshot(snapshot);
  }

  /** Writes everything buffered; rejects with `SINK_FAILED` if a write failed since the last flush. */
  flush(): Promise<void> {
    return this.buffer.flush();
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
    return this.reader.points(filter);
  }

  /** Number of raw point rows stored. */
  async countPoints(): Promise<number> {
    await this.flushBeforeRead();
    return this.reader.countPoints();
  }

  /**
   * A run's accuracy matrix from the `metric` points a ContinualEvaluator logged through a tracker
   * feeding this sink: row i is the i-th distinct step, column j the j-th evaluated task.
   */
  async readAccuracyMatrix(runId: string, metric = 'accuracy'): Promise<StoredAccuracyMatrix> {
    await this.flushBeforeRead();
    return this.reader.accuracyMatrix(runId, metric);
  }

  /** Downsampled buckets, partial rows merged, sorted by series then bucket. */
  async readAggregates(filter: Omit<SqlReadFilter, 'limit'> = {}): Promise<MetricAggregate[]> {
    await this.flushBeforeRead();
    return this.reader.aggregates(filter);
  }

  /** Stored alerts, oldest first. */
  async readAlerts(filter: SqlReadFilter & { severity?: AlertSeverity } = {}): Promise<AlertRecord[]> {
    await this.flushBeforeRead();
    return this.reader.alerts(filter);
  }

  /** Stored snapshots, oldest first. */
  async readSnapshots(filter: Pick<SqlReadFilter, 'runId' | 'since' | 'until' | 'limit'> = {}): Promise<DashboardSnapshot[]> {
    await this.flushBeforeRead();
    return this.reader.snapshots(filter);
  }

  /**
   * One retention pass: raw points past `downsampleAfterMs` or beyond `maxRows` are folded into
   * aggregates (or deleted when downsampling is off), then rows past `maxAgeMs` are deleted.
   */
  async applyRetention(): Promise<RetentionResult> {
    await this.flush();
    return this.buffer.queue(() => applyRetentionPass(this.db, this.tables, this.retention, this.now()));
  }

  private async flushBeforeRead(): Promise<void> {
    if (!this.closed) await this.flush();
  }

  private assertOpen(): void {
    if (this.closed) throw new MonitoringError('WRITER_CLOSED', 'SqlMetricSink is closed; create a new sink to keep writing.');
  }
}
