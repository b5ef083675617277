/* eslint-disable @typescript-eslint/no-explicit-any -- table names carry a caller-chosen prefix, so Kysely cannot type them */
import type { Kysely } from 'kysely';
import { MonitoringError } from '../errors.js';
import type { AlertRecord, DashboardSnapshot, MetricPoint } from '../types.js';
import type { MonitoringTableNames } from './metric-tables.js';
import { POINT_COLUMNS, PointInsertReplay } from './point-insert.js';
import { alertRow, snapshotRow } from './rows.js';
import { SeriesRegistry } from './series-registry.js';

type PendingWrite =
  | { table: 'points'; rows: MetricPoint[] }
  | { table: 'alerts'; rows: AlertRecord[] }
  | { table: 'snapshots'; rows: DashboardSnapshot[] };

/**
 * Buffers points, alerts and snapshots and writes them in order, one transaction per write, with
 * points in multi-row INSERTs of `batchSize` rows. Background failures are kept and rethrown by
 * the next {@link flush}.
 */
export class SqlWriteBuffer {
  private points: MetricPoint[] = [];
  private alerts: AlertRecord[] = [];
  private snapshots: DashboardSnapshot[] = [];
  private writing: Promise<void> = Promise.resolve();
  private readonly errors: unknown[] = [];
  private readonly series: SeriesRegistry;
  private readonly pointInserts: PointInsertReplay;

  constructor(
    private readonly db: Kysely<any>,
    private readonly tables: MonitoringTableNames,
    private readonly batchSize: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.series = new SeriesRegistry(db, tables.series);
    this.pointInserts = new PointInsertReplay(db, tables.points);
  }

  addPoints(points: readonly MetricPoint[]): void {
    for (const point of points) this.points.push(point);
    if (this.points.length >= this.batchSize) this.startWrite(true);
  }

  addAlert(alert: AlertRecord): void {
    this.alerts.push(alert);
  }

  addSnapshot(snapshot: DashboardSnapshot): void {
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

  /** Runs `work` after every queued write and before any later one (retention never interleaves with a batch). */
  queue<Result>(work: () => Promise<Result>): Promise<Result> {
    const result = this.writing.then(work);
    this.writing = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Keeps a background failure for the next flush and reports it. */
  recordError(error: unknown): void {
    this.errors.push(error);
    try {
      this.onError(error);
    } catch {
      // Kept in `errors` and rethrown by flush(); a failing reporter must not hide it.
    }
  }

  /**
   * Takes what is buffered and queues its write behind earlier writes. `fullBatchesOnly` leaves a
   * partial batch of points in the buffer, so every INSERT carries `batchSize` rows.
   */
  startWrite(fullBatchesOnly = false): void {
    const pending: PendingWrite[] = [];
    const take = fullBatchesOnly ? this.points.length - (this.points.length % this.batchSize) : this.points.length;
    if (take > 0) pending.push({ table: 'points', rows: this.points.splice(0, take) });
    if (this.alerts.length > 0) pending.push({ table: 'alerts', rows: this.alerts.splice(0) });
    if (this.snapshots.length > 0) pending.push({ table: 'snapshots', rows: this.snapshots.splice(0) });
    if (pending.length === 0) return;
    this.writing = this.writing.then(() => this.write(pending)).catch((error: unknown) => this.recordError(error));
  }

  private async write(pending: PendingWrite[]): Promise<void> {
    const points = pending.find((write) => write.table === 'points')?.rows as MetricPoint[] | undefined;
    if (points) await this.series.ensure(points);
    await this.db.transaction().execute(async (transaction: any) => {
      for (const write of pending) {
        if (write.table === 'points') {
          for (let i = 0; i < write.rows.length; i += this.batchSize)
            await this.pointInserts.insert(transaction, this.pointParameters(write.rows.slice(i, i + this.batchSize)));
        } else if (write.table === 'alerts') {
          await transaction.insertInto(this.tables.alerts).values(write.rows.map(alertRow)).execute();
        } else {
          await transaction.insertInto(this.tables.snapshots).values(write.rows.map(snapshotRow)).execute();
        }
      }
    });
  }

  private pointParameters(points: readonly MetricPoint[]): unknown[] {
    const parameters: unknown[] = new Array(points.length * POINT_COLUMNS.length);
    let offset = 0;
    for (const point of points) {
      parameters[offset++] = this.series.idOf(point);
      parameters[offset++] = point.step;
      parameters[offset++] = point.wallTime;
      parameters[offset++] = point.value;
    }
    return parameters;
  }
}
