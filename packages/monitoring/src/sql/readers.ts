/* eslint-disable @typescript-eslint/no-explicit-any -- table names carry a caller-chosen prefix, so Kysely cannot type them */
import type { Kysely } from 'kysely';
import { normalizeTaskId } from '../metrics-tracker.js';
import type { AlertKind, AlertRecord, AlertSeverity, DashboardSnapshot, HealthStatus, MetricPoint, TaskId } from '../types.js';
import type { MonitoringTableNames } from './metric-tables.js';
import { readValue } from './rows.js';

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

/** An accuracy matrix read back from the accuracy points a ContinualEvaluator logged. */
export interface StoredAccuracyMatrix {
  /** Evaluated tasks, in order of first appearance. */
  tasks: string[];
  /** R[i][j]: row i is the i-th distinct step at which accuracies were logged; null where task j was not evaluated. */
  matrix: Array<Array<number | null>>;
  /** The step of each row. */
  steps: number[];
}

/** The read side of the metric tables: points, aggregates, alerts, snapshots and the accuracy matrix. */
export class SqlMetricReader {
  constructor(
    private readonly db: Kysely<any>,
    private readonly tables: MonitoringTableNames,
  ) {}

  /** Stored points, oldest first (by insertion). Non-finite values come back as NaN / ±Infinity. */
  async points(filter: SqlReadFilter = {}): Promise<MetricPoint[]> {
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
    const row: any = await this.db
      .selectFrom(this.tables.points)
      .select((eb: any) => eb.fn.countAll().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /**
   * The accuracy matrix of one run from its `metric` points (default `accuracy`): one row per
   * distinct step, one column per evaluated task; a cell logged twice keeps its latest value.
   */
  async accuracyMatrix(runId: string, metric = 'accuracy'): Promise<StoredAccuracyMatrix> {
    const points = await this.points({ runId, metric });
    const steps = [...new Set(points.map((point) => point.step))].sort((a, b) => a - b);
    const tasks: string[] = [];
    for (const point of [...points].sort((a, b) => a.step - b.step)) {
      const task = point.taskId ?? '';
      if (!tasks.includes(task)) tasks.push(task);
    }
    const matrix = steps.map(() => tasks.map((): number | null => null));
    for (const point of points) matrix[steps.indexOf(point.step)]![tasks.indexOf(point.taskId ?? '')] = point.value;
    return { tasks, matrix, steps };
  }

  /** Downsampled buckets, partial rows merged, sorted by series then bucket. */
  async aggregates(filter: Omit<SqlReadFilter, 'limit'> = {}): Promise<MetricAggregate[]> {
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
  async alerts(filter: SqlReadFilter & { severity?: AlertSeverity } = {}): Promise<AlertRecord[]> {
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
  async snapshots(filter: Pick<SqlReadFilter, 'runId' | 'since' | 'until' | 'limit'> = {}): Promise<DashboardSnapshot[]> {
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
}
