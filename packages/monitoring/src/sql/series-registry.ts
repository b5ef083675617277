/* eslint-disable @typescript-eslint/no-explicit-any -- table names carry a caller-chosen prefix, so Kysely cannot type them */
import type { Kysely } from 'kysely';
import type { MetricPoint } from '../types.js';
import { seriesKey } from './rows.js';

/** Series rows (one per run, metric and task) and a cache of their integer ids. */
export class SeriesRegistry {
  /** `run\0metric\0task` → series id, filled as series are first written. */
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly db: Kysely<any>,
    private readonly table: string,
  ) {}

  /** The id of a series resolved earlier by {@link ensure}. */
  idOf(point: MetricPoint): number | undefined {
    return this.ids.get(seriesKey(point.runId, point.metric, point.taskId ?? ''));
  }

  /** Makes sure every series of `points` has a row and its id is cached. */
  async ensure(points: readonly MetricPoint[]): Promise<void> {
    const missing = new Map<string, { run_id: string; metric: string; task_id: string }>();
    for (const point of points) {
      const key = seriesKey(point.runId, point.metric, point.taskId ?? '');
      if (!this.ids.has(key) && !missing.has(key))
        missing.set(key, { run_id: point.runId, metric: point.metric, task_id: point.taskId ?? '' });
    }
    if (missing.size === 0) return;
    const rows = [...missing.values()];
    for (let i = 0; i < rows.length; i += 500) {
      // Another writer may have created the same series: the unique key makes that a no-op.
      await this.db
        .insertInto(this.table)
        .values(rows.slice(i, i + 500))
        .onConflict((conflict: any) => conflict.columns(['run_id', 'metric', 'task_id']).doNothing())
        .execute();
    }
    const runIds = [...new Set(rows.map((row) => row.run_id))];
    const metrics = [...new Set(rows.map((row) => row.metric))];
    for (let i = 0; i < metrics.length; i += 500) {
      const found = await this.db
        .selectFrom(this.table)
        .select(['id', 'run_id', 'metric', 'task_id'])
        .where('run_id', 'in', runIds)
        .where('metric', 'in', metrics.slice(i, i + 500))
        .execute();
      for (const row of found as any[]) this.ids.set(seriesKey(row.run_id, row.metric, row.task_id), Number(row.id));
    }
  }
}
