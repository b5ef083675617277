import type { Kysely, Selectable } from 'kysely';
import { timeOrderedId } from '../ids.js';
import { nowTimestamp, parseJsonColumn, toJsonColumn } from '../dialect.js';
import { DatabaseError } from '../errors.js';
import { describe, requireIndex, requireJsonObject, requireName, type JsonObject } from '../json.js';
import type { Database, ExperimentStatus, ExperimentsTable } from '../schema.js';

/** One training run as `ExperimentRepository` returns it. */
export interface Experiment {
  id: string;
  name: string;
  status: ExperimentStatus;
  startedAt: Date;
  /** Null while running. */
  endedAt: Date | null;
  hyperparameters: JsonObject;
  /** Summary metrics given to `finish` (empty while running). */
  metrics: Record<string, number>;
}

/** One logged metric value. */
export interface MetricPoint {
  experimentId: string;
  experimentName: string;
  task: number;
  step: number;
  metric: string;
  value: number;
  recordedAt: Date;
}

/** Options of {@link ExperimentRepository.create}. */
export interface CreateExperimentOptions {
  name: string;
  hyperparameters?: JsonObject;
  /** Defaults to now. */
  startedAt?: Date;
}

/** Options of {@link ExperimentRepository.finish}. */
export interface FinishExperimentOptions {
  /** Defaults to `completed`. */
  status?: Exclude<ExperimentStatus, 'running'>;
  metrics?: Record<string, number>;
  /** Defaults to now. */
  endedAt?: Date;
}

/** Options of {@link ExperimentRepository.logMetrics}. */
export interface LogMetricsOptions {
  /** Task index in the continual-learning sequence (0-based). */
  task: number;
  /** Training step or epoch within the task. */
  step: number;
  /** Metric name to value; logging the same (task, step, name) again replaces the value. */
  metrics: Record<string, number>;
}

/** Filter of {@link ExperimentRepository.history}; every field narrows the result. */
export interface MetricHistoryQuery {
  experimentIds?: string[];
  experimentName?: string;
  metric?: string;
  task?: number;
}

/** Options of {@link ExperimentRepository.bestBy}. */
export interface BestByOptions {
  /** `max` (accuracy, the default) or `min` (loss). */
  direction?: 'max' | 'min';
  /** Only values logged for this task. */
  task?: number;
  /** Only experiments with this name. */
  experimentName?: string;
  /** Defaults to 10. */
  limit?: number;
}

/** An experiment with the best value it reached for a metric, and where it reached it. */
export interface BestResult {
  experiment: Experiment;
  metric: string;
  value: number;
  task: number;
  step: number;
}

/** Filter of {@link ExperimentRepository.list}. */
export interface ListExperimentsOptions {
  name?: string;
  status?: ExperimentStatus;
  limit?: number;
}

const finishedStatuses: ReadonlySet<string> = new Set(['completed', 'failed', 'stopped']);

/**
 * Experiments and their training metrics in SQL (SQLite or PostgreSQL), through a Kysely
 * instance the caller owns. Every value travels as a query parameter.
 *
 * @example
 * const experiments = new ExperimentRepository(db);
 * const run = await experiments.create({ name: 'ewc-split-mnist', hyperparameters: { lambda: 400 } });
 * await experiments.logMetrics(run.id, { task: 0, step: 10, metrics: { accuracy: 0.97 } });
 * await experiments.finish(run.id, { metrics: { averageAccuracy: 0.95 } });
 * const best = await experiments.bestBy('accuracy');
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
      hyperparameters: toJsonColumn(hyperparameters),
      metrics: toJsonColumn({}),
    };
    await this.db.insertInto('holomind_experiments').values(row).execute();
    return this.get(row.id);
  }

  /** Ends a running experiment with a final status and summary metrics. */
  async finish(id: string, options: FinishExperimentOptions = {}): Promise<Experiment> {
    const status = options.status ?? 'completed';
    if (!finishedStatuses.has(status)) {
      throw new DatabaseError('INVALID_ARGUMENT', `finish status must be completed, failed or stopped, got ${describe(status)}.`);
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

  /** Records metric values for one task and step; values already logged there are replaced (upsert). */
  async logMetrics(experimentId: string, options: LogMetricsOptions): Promise<void> {
    const task = requireIndex(options?.task, 'task');
    const step = requireIndex(options.step, 'step');
    const metrics = requireMetrics(options.metrics);
    const names = Object.keys(metrics);
    if (names.length === 0) return;
    const recordedAt = nowTimestamp();
    try {
      await this.db
        .insertInto('holomind_training_metrics')
        .values(
          names.map((name) => ({
            experiment_id: experimentId,
            task,
            step,
            name,
            value: metrics[name]!,
            recorded_at: recordedAt,
          })),
        )
        .onConflict((conflict) =>
          conflict.columns(['experiment_id', 'task', 'step', 'name']).doUpdateSet((update) => ({
            value: update.ref('excluded.value'),
            recorded_at: update.ref('excluded.recorded_at'),
          })),
        )
        .execute();
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new DatabaseError(
          'NOT_FOUND',
          `No experiment with id ${JSON.stringify(experimentId)}; create() it before logging metrics.`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Logged metric values across experiments, ordered by experiment start, task, step and metric. */
  async history(query: MetricHistoryQuery = {}): Promise<MetricPoint[]> {
    let select = this.db
      .selectFrom('holomind_training_metrics as m')
      .innerJoin('holomind_experiments as e', 'e.id', 'm.experiment_id')
      .select([
        'm.experiment_id',
        'e.name as experiment_name',
        'm.task',
        'm.step',
        'm.name',
        'm.value',
        'm.recorded_at',
        'e.started_at',
      ]);
    if (query.experimentIds !== undefined) {
      if (query.experimentIds.length === 0) return [];
      select = select.where('m.experiment_id', 'in', query.experimentIds);
    }
    if (query.experimentName !== undefined) select = select.where('e.name', '=', query.experimentName);
    if (query.metric !== undefined) select = select.where('m.name', '=', query.metric);
    if (query.task !== undefined) select = select.where('m.task', '=', requireIndex(query.task, 'task'));
    const rows = await select
      .orderBy('e.started_at')
      .orderBy('m.experiment_id')
      .orderBy('m.task')
      .orderBy('m.step')
      .orderBy('m.name')
      .execute();
    return rows.map((row) => ({
      experimentId: row.experiment_id,
      experimentName: row.experiment_name,
      task: row.task,
      step: row.step,
      metric: row.name,
      value: Number(row.value),
      recordedAt: new Date(row.recorded_at),
    }));
  }

  /**
   * Experiments ranked by the best value each reached for `metric` (highest for `max`, lowest for
   * `min`), with the task and step where it first reached it.
   */
  async bestBy(metric: string, options: BestByOptions = {}): Promise<BestResult[]> {
    requireName(metric, 'metric');
    const direction = options.direction ?? 'max';
    if (direction !== 'max' && direction !== 'min') {
      throw new DatabaseError('INVALID_ARGUMENT', `direction must be 'max' or 'min', got ${describe(direction)}.`);
    }
    const order = direction === 'max' ? 'desc' : 'asc';
    const limit = requireLimit(options.limit ?? 10);
    const task = options.task === undefined ? undefined : requireIndex(options.task, 'task');
    // Rank each experiment's values; rank 1 is its best (ties go to the earliest task and step).
    const ranked = this.db
      .selectFrom('holomind_training_metrics as m')
      .innerJoin('holomind_experiments as e', 'e.id', 'm.experiment_id')
      .select((eb) => [
        'm.experiment_id',
        'm.task',
        'm.step',
        'm.value',
        eb.fn
          .agg<number>('row_number')
          .over((over) => over.partitionBy('m.experiment_id').orderBy('m.value', order).orderBy('m.task').orderBy('m.step'))
          .as('rank'),
      ])
      .where('m.name', '=', metric)
      .$if(task !== undefined, (query) => query.where('m.task', '=', task!))
      .$if(options.experimentName !== undefined, (query) => query.where('e.name', '=', options.experimentName!));
    const best = await this.db
      .selectFrom(ranked.as('ranked'))
      .innerJoin('holomind_experiments as e', 'e.id', 'ranked.experiment_id')
      .selectAll('e')
      .select(['ranked.task', 'ranked.step', 'ranked.value'])
      .where('ranked.rank', '=', 1)
      .orderBy('ranked.value', order)
      .orderBy('e.started_at')
      .orderBy('e.id')
      .limit(limit)
      .execute();
    return best.map((row) => ({
      experiment: toExperiment(row),
      metric,
      value: Number(row.value),
      task: row.task,
      step: row.step,
    }));
  }
}

function toExperiment(row: Selectable<ExperimentsTable>): Experiment {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    startedAt: new Date(row.started_at),
    endedAt: row.ended_at === null ? null : new Date(row.ended_at),
    hyperparameters: parseJsonColumn<JsonObject>(row.hyperparameters),
    metrics: parseJsonColumn<Record<string, number>>(row.metrics),
  };
}

function requireMetrics(metrics: unknown): Record<string, number> {
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
    throw new DatabaseError('INVALID_ARGUMENT', `metrics must be an object of metric name to number, got ${describe(metrics)}.`);
  }
  for (const [name, value] of Object.entries(metrics)) {
    requireName(name, 'Metric name');
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new DatabaseError(
        'INVALID_ARGUMENT',
        `Metric '${name}' is ${describe(value)}; only finite numbers can be stored (SQLite turns NaN into NULL). Skip the value or log a sentinel metric such as '${name}_diverged: 1'.`,
      );
    }
  }
  return metrics as Record<string, number>;
}

function requireDate(value: unknown, what: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw new DatabaseError('INVALID_ARGUMENT', `${what} must be a valid Date, got ${describe(value)}.`);
  return value;
}

function requireLimit(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new DatabaseError('INVALID_ARGUMENT', `limit must be a positive integer, got ${describe(value)}.`);
  }
  return value;
}

function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}
