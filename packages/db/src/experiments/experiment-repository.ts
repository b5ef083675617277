import type { Kysely, Selectable } from 'kysely';
import { describeValue, type JsonObject } from '@holomind/core';
import { v7 as timeOrderedId } from 'uuid';
import { parseJsonColumn, toJsonColumn } from '../dialect.js';
import { DatabaseError } from '../errors.js';
import { requireJsonObject, requireName } from '../json.js';
import type { Database, ExperimentStatus, ExperimentsTable } from '../schema.js';

/** One training run as `ExperimentRepository` returns it. */
export interface Experiment {
  id: string;
  name: string;
  status: ExperimentStatus;
  startedAt: Date;
  /** Null while running. */
  endedAt: Date | null;
  /** Who runs it (`<host>:<pid>` as given to `create`), or null. */
  owner: string | null;
  hyperparameters: JsonObject;
  /** Summary metrics given to `finish` (empty while running). */
  metrics: Record<string, number>;
  /** The data the run trained on, as given to `recordDataVersions` (null until then). */
  dataVersions: JsonObject | null;
}

/** Options of {@link ExperimentRepository.create}. */
export interface CreateExperimentOptions {
  name: string;
  hyperparameters?: JsonObject;
  /** Defaults to now. */
  startedAt?: Date;
  /** Who runs it, e.g. `<host>:<pid>`: lets a later start mark the run `crashed` once that process is gone. */
  owner?: string;
}

/** Options of {@link ExperimentRepository.finish}. */
export interface FinishExperimentOptions {
  /** Defaults to `completed`. */
  status?: Exclude<ExperimentStatus, 'running'>;
  metrics?: Record<string, number>;
  /** Defaults to now. */
  endedAt?: Date;
}

/** Filter of {@link ExperimentRepository.list}. */
export interface ListExperimentsOptions {
  name?: string;
  status?: ExperimentStatus;
  limit?: number;
}

const finishedStatuses: ReadonlySet<string> = new Set(['completed', 'failed', 'stopped', 'crashed']);

/**
 * Experiments (training runs) in SQL (SQLite or PostgreSQL), through a Kysely instance the caller
 * owns. Every value travels as a query parameter. Per-step metrics are not written here: the
 * experiment id is the run id of `@holomind/monitoring`'s `SqlMetricSink`, their one writer.
 *
 * @example
 * const experiments = new ExperimentRepository(db);
 * const run = await experiments.create({ name: 'ewc-split-mnist', hyperparameters: { lambda: 400 } });
 * await experiments.finish(run.id, { metrics: { averageAccuracy: 0.95 } });
 */
export class ExperimentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Starts an experiment in status `running`. */
  async create(options: CreateExperimentOptions): Promise<Experiment> {
    const name = requireName(options?.name, 'Experiment name');
    const hyperparameters = requireJsonObject(options.hyperparameters ?? {}, 'hyperparameters');
    const startedAt = requireDate(options.startedAt ?? new Date(), 'startedAt');
    const row = {
      id: timeOrderedId(),
      name,
      status: 'running' as const,
      started_at: startedAt.toISOString(),
      ended_at: null,
      owner: options.owner === undefined ? null : requireName(options.owner, 'Experiment owner', 200),
      hyperparameters: toJsonColumn(hyperparameters),
      metrics: toJsonColumn({}),
      data_versions: null,
    };
    await this.db.insertInto('holomind_experiments').values(row).execute();
    return this.get(row.id);
  }

  /** Ends a running experiment with a final status and summary metrics. */
  async finish(id: string, options: FinishExperimentOptions = {}): Promise<Experiment> {
    const status = options.status ?? 'completed';
    if (!finishedStatuses.has(status)) {
      throw new DatabaseError(
        'INVALID_ARGUMENT',
        `finish status must be completed, failed, stopped or crashed, got ${describeValue(status)}.`,
      );
    }
    const metrics = requireMetrics(options.metrics ?? {});
    const endedAt = requireDate(options.endedAt ?? new Date(), 'endedAt');
    const result = await this.db
      .updateTable('holomind_experiments')
      .set({ status, ended_at: endedAt.toISOString(), metrics: toJsonColumn(metrics) })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      const existing = await this.get(id);
      throw new DatabaseError(
        'INVALID_STATE',
        `Experiment ${id} ('${existing.name}') is already ${existing.status}; only a running experiment can be finished.`,
      );
    }
    return this.get(id);
  }

  /**
   * Stores the versions (content hashes) and statistics of the data an experiment trains on, so its
   * results name exactly the data they came from. Replaces what was recorded before.
   */
  async recordDataVersions(id: string, dataVersions: JsonObject): Promise<Experiment> {
    const value = requireJsonObject(dataVersions, 'dataVersions');
    const result = await this.db
      .updateTable('holomind_experiments')
      .set({ data_versions: toJsonColumn(value) })
      .where('id', '=', requireName(id, 'Experiment id', 64))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      throw new DatabaseError('NOT_FOUND', `No experiment with id ${JSON.stringify(id)}; create() returns the id to use.`);
    }
    return this.get(id);
  }

  /**
   * Puts a finished experiment (completed, failed, stopped, crashed) back to `running`, to continue
   * it; `owner` names the process that does. Throws INVALID_STATE when it is already running.
   */
  async reopen(id: string, options: { owner?: string } = {}): Promise<Experiment> {
    const owner = options.owner === undefined ? null : requireName(options.owner, 'Experiment owner', 200);
    const result = await this.db
      .updateTable('holomind_experiments')
      .set({ status: 'running', ended_at: null, owner })
      .where('id', '=', requireName(id, 'Experiment id', 64))
      .where('status', '!=', 'running')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      const existing = await this.get(id);
      throw new DatabaseError(
        'INVALID_STATE',
        `Experiment ${id} ('${existing.name}') is already running; finish it (or mark it crashed) before reopening it.`,
      );
    }
    return this.get(id);
  }

  /** One experiment; throws NOT_FOUND for an unknown id. */
  async get(id: string): Promise<Experiment> {
    const row = await this.db
      .selectFrom('holomind_experiments')
      .selectAll()
      .where('id', '=', requireName(id, 'Experiment id', 64))
      .executeTakeFirst();
    if (!row)
      throw new DatabaseError('NOT_FOUND', `No experiment with id ${JSON.stringify(id)}; create() returns the id to use.`);
    return toExperiment(row);
  }

  /** Experiments, newest first. */
  async list(options: ListExperimentsOptions = {}): Promise<Experiment[]> {
    let query = this.db.selectFrom('holomind_experiments').selectAll();
    if (options.name !== undefined) query = query.where('name', '=', options.name);
    if (options.status !== undefined) query = query.where('status', '=', options.status);
    const rows = await query
      .orderBy('started_at', 'desc')
      .orderBy('id')
      .limit(requireLimit(options.limit ?? 1000))
      .execute();
    return rows.map(toExperiment);
  }
}

function toExperiment(row: Selectable<ExperimentsTable>): Experiment {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    startedAt: new Date(row.started_at),
    endedAt: row.ended_at === null ? null : new Date(row.ended_at),
    owner: row.owner ?? null,
    hyperparameters: parseJsonColumn<JsonObject>(row.hyperparameters),
    metrics: parseJsonColumn<Record<string, number>>(row.metrics),
    dataVersions:
      row.data_versions === null || row.data_versions === undefined ? null : parseJsonColumn<JsonObject>(row.data_versions),
  };
}

function requireMetrics(metrics: unknown): Record<string, number> {
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
    throw new DatabaseError(
      'INVALID_ARGUMENT',
      `metrics must be an object of metric name to number, got ${describeValue(metrics)}.`,
    );
  }
  for (const [name, value] of Object.entries(metrics)) {
    requireName(name, 'Metric name');
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new DatabaseError(
        'INVALID_ARGUMENT',
        `Metric '${name}' is ${describeValue(value)}; only finite numbers can be stored (SQLite turns NaN into NULL). Skip the value or log a sentinel metric such as '${name}_diverged: 1'.`,
      );
    }
  }
  return metrics as Record<string, number>;
}

function requireDate(value: unknown, what: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw new DatabaseError('INVALID_ARGUMENT', `${what} must be a valid Date, got ${describeValue(value)}.`);
  return value;
}

function requireLimit(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new DatabaseError('INVALID_ARGUMENT', `limit must be a positive integer, got ${describeValue(value)}.`);
  }
  return value;
}
