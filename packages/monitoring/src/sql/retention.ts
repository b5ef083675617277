import { describeValue } from '@holomind/core';
/* eslint-disable @typescript-eslint/no-explicit-any -- table names carry a caller-chosen prefix, so Kysely cannot type them */
import type { Kysely } from 'kysely';
import { MonitoringError } from '../errors.js';
import type { MonitoringTableNames } from './metric-tables.js';

/** What to keep: raw points become aggregates after `downsampleAfterMs`; everything goes after `maxAgeMs`. */
export interface MetricRetentionPolicy {
  /** Points and aggregates older than this are deleted. */
  maxAgeMs?: number;
  /** At most this many raw point rows are kept; older ones are downsampled (when `downsampleAfterMs` or `bucketMs` is set) or deleted. */
  maxRows?: number;
  /** Raw points older than this are replaced by per-bucket aggregates (count, sum, min, max). */
  downsampleAfterMs?: number;
  /** Aggregate bucket width. Default 60,000 ms. */
  bucketMs?: number;
}

/** What one retention pass did. */
export interface RetentionResult {
  downsampledPoints: number;
  aggregateRows: number;
  deletedPoints: number;
  deletedAggregates: number;
}

const DOWNSAMPLE_CHUNK = 10_000;

/** Checks a retention policy's keys and values; returns a copy. */
export function validateRetention(policy: MetricRetentionPolicy): MetricRetentionPolicy {
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

/**
 * One retention pass at time `now`: raw points past `downsampleAfterMs` or beyond `maxRows` are
 * folded into aggregates (or deleted when downsampling is off), then rows past `maxAgeMs` are deleted.
 */
export async function applyRetentionPass(
  db: Kysely<any>,
  tables: MonitoringTableNames,
  policy: MetricRetentionPolicy,
  now: number,
): Promise<RetentionResult> {
  const result: RetentionResult = { downsampledPoints: 0, aggregateRows: 0, deletedPoints: 0, deletedAggregates: 0 };
  const { maxAgeMs, maxRows, downsampleAfterMs } = policy;
  const bucketMs = policy.bucketMs ?? 60_000;
  let idCutoff: number | undefined;
  if (maxRows !== undefined) {
    const row: any = await db
      .selectFrom(tables.points)
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
  const downsampling = downsampleAfterMs !== undefined || policy.bucketMs !== undefined;
  if (downsampling && (timeCutoff !== undefined || idCutoff !== undefined)) {
    let afterId = -1;
    for (;;) {
      const rows: any[] = await db
        .selectFrom(tables.points)
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
      await db.transaction().execute(async (transaction: any) => {
        for (let i = 0; i < aggregates.length; i += 1000) {
          await transaction
            .insertInto(tables.aggregates)
            .values(aggregates.slice(i, i + 1000))
            .execute();
        }
        await transaction.deleteFrom(tables.points).where('id', '>=', firstId).where('id', '<=', lastId).where(expired).execute();
      });
      result.downsampledPoints += rows.length;
      result.aggregateRows += aggregates.length;
    }
  } else if (idCutoff !== undefined) {
    const deleted = await db.deleteFrom(tables.points).where('id', '<=', idCutoff).executeTakeFirst();
    result.deletedPoints += Number(deleted.numDeletedRows);
  }
  if (maxAgeMs !== undefined) {
    const ageCutoff = now - maxAgeMs;
    const points = await db.deleteFrom(tables.points).where('wall_time', '<', ageCutoff).executeTakeFirst();
    result.deletedPoints += Number(points.numDeletedRows);
    const aggregates = await db
      .deleteFrom(tables.aggregates)
      .where((eb: any) => eb(eb('bucket_start', '+', eb.ref('bucket_ms')), '<=', ageCutoff))
      .executeTakeFirst();
    result.deletedAggregates += Number(aggregates.numDeletedRows);
  }
  return result;
}

/** Per-series, per-bucket count, finite count, sum, min, max and step range of raw point rows. */
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
