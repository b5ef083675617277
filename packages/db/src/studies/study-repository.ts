import { sql, type Kysely, type Selectable } from 'kysely';
import { describeValue, maskUrlCredentials, type JsonObject } from '@holomind/core';
import { v7 as timeOrderedId } from 'uuid';
import { parseJsonColumn, toJsonColumn } from '../dialect.js';
import { DatabaseError } from '../errors.js';
import { requireIndex, requireJsonObject, requireName } from '../json.js';
import type { Database } from '../schema.js';
import type { StudiesTable, StudyDatabase, StudyStatus, TrialRunsTable, TrialStatus, TrialsTable } from './study-schema.js';

/** One hyperparameter search as {@link StudyRepository} returns it. */
export interface Study {
  id: string;
  name: string;
  status: StudyStatus;
  sampler: string;
  objective: string;
  definition: JsonObject;
  createdAt: Date;
  endedAt: Date | null;
}

/** One seed of a trial. */
export interface TrialRun {
  seed: number;
  experimentId: string | null;
  /** Where the run's experiment, metrics and checkpoint metadata are (database URL, credentials masked). */
  runDatabase: string;
  checkpointDir: string;
  tasksDone: number;
  matrix: number[][];
  segments: number;
}

/** One configuration of a study, with its runs (one per seed), oldest seed first. */
export interface Trial {
  id: string;
  studyId: string;
  number: number;
  params: JsonObject;
  status: TrialStatus;
  value: number | null;
  intermediate: Record<string, number>;
  runs: TrialRun[];
  createdAt: Date;
  endedAt: Date | null;
}

/** Options of {@link StudyRepository.createStudy}. */
export interface CreateStudyOptions {
  name: string;
  sampler: string;
  objective: string;
  definition?: JsonObject;
}

/** Options of {@link StudyRepository.recordRun}: where one seed of a trial stands after a segment. */
export interface RecordTrialRunOptions {
  seed: number;
  experimentId: string | null;
  runDatabase: string;
  checkpointDir: string;
  tasksDone: number;
  matrix: number[][];
}

/** Options of {@link StudyRepository.updateTrial}. */
export interface UpdateTrialOptions {
  status?: TrialStatus;
  value?: number | null;
  intermediate?: Record<string, number>;
}

const studyStatuses: ReadonlySet<string> = new Set(['running', 'completed', 'failed']);
const trialStatuses: ReadonlySet<string> = new Set(['running', 'completed', 'pruned', 'failed']);

/**
 * Studies, trials and trial runs (`studyMigrations`' tables) in SQLite or PostgreSQL, through a
 * Kysely instance the caller owns. A trial run links a seed to its experiment (`ExperimentRepository`)
 * and its checkpoint folder, so metrics and checkpoints are found from the study.
 *
 * @example
 * const studies = new StudyRepository(db);
 * const study = await studies.createStudy({ name: 'ewc-lambda', sampler: 'grid', objective: 'accuracy' });
 * const trial = await studies.createTrial(study.id, 0, { 'ewc.lambda': 100 });
 */
export class StudyRepository {
  private readonly db: Kysely<StudyDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db as unknown as Kysely<StudyDatabase>;
  }

  /** Starts a study in status `running`. */
  async createStudy(options: CreateStudyOptions): Promise<Study> {
    const row = {
      id: timeOrderedId(),
      name: requireName(options?.name, 'Study name'),
      status: 'running' as const,
      sampler: requireName(options.sampler, 'Sampler name', 16),
      objective: requireName(options.objective, 'Objective name', 64),
      definition: toJsonColumn(requireJsonObject(options.definition ?? {}, 'definition')),
      created_at: new Date().toISOString(),
      ended_at: null,
    };
    await this.db.insertInto('holomind_studies').values(row).execute();
    return this.getStudy(row.id);
  }

  /** One study by id; throws NOT_FOUND for an unknown id. */
  async getStudy(id: string): Promise<Study> {
    const row = await this.db
      .selectFrom('holomind_studies')
      .selectAll()
      .where('id', '=', requireName(id, 'Study id', 64))
      .executeTakeFirst();
    if (!row) throw new DatabaseError('NOT_FOUND', `No study with id ${JSON.stringify(id)}; listStudies() names the known ones.`);
    return toStudy(row);
  }

  /** Studies, newest first; only those called `name` when given. */
  async listStudies(name?: string): Promise<Study[]> {
    let query = this.db.selectFrom('holomind_studies').selectAll();
    if (name !== undefined) query = query.where('name', '=', name);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map(toStudy);
  }

  /** Ends a study. */
  async finishStudy(id: string, status: Exclude<StudyStatus, 'running'> = 'completed'): Promise<Study> {
    if (!studyStatuses.has(status) || (status as StudyStatus) === 'running')
      throw new DatabaseError('INVALID_ARGUMENT', `Study status must be completed or failed, got ${describeValue(status)}.`);
    await this.db
      .updateTable('holomind_studies')
      .set({ status, ended_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
    return this.getStudy(id);
  }

  /** Adds trial `number` (unique in the study) with its parameters, in status `running`. */
  async createTrial(studyId: string, number: number, params: JsonObject): Promise<Trial> {
    const row = {
      id: timeOrderedId(),
      study_id: requireName(studyId, 'Study id', 64),
      number: requireIndex(number, 'Trial number'),
      params: toJsonColumn(requireJsonObject(params, 'Trial params')),
      status: 'running' as const,
      value: null,
      intermediate: toJsonColumn({}),
      created_at: new Date().toISOString(),
      ended_at: null,
    };
    await this.db.insertInto('holomind_trials').values(row).execute();
    return this.getTrial(row.id);
  }

  /** One trial with its runs; throws NOT_FOUND for an unknown id. */
  async getTrial(id: string): Promise<Trial> {
    const row = await this.db.selectFrom('holomind_trials').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new DatabaseError('NOT_FOUND', `No trial with id ${JSON.stringify(id)}.`);
    const runs = await this.db.selectFrom('holomind_trial_runs').selectAll().where('trial_id', '=', id).orderBy('seed').execute();
    return toTrial(row, runs);
  }

  /** Every trial of a study in number order, with their runs. */
  async listTrials(studyId: string): Promise<Trial[]> {
    const rows = await this.db
      .selectFrom('holomind_trials')
      .selectAll()
      .where('study_id', '=', studyId)
      .orderBy('number')
      .execute();
    const runs = await this.db
      .selectFrom('holomind_trial_runs')
      .innerJoin('holomind_trials', 'holomind_trials.id', 'holomind_trial_runs.trial_id')
      .selectAll('holomind_trial_runs')
      .where('holomind_trials.study_id', '=', studyId)
      .orderBy('holomind_trial_runs.seed')
      .execute();
    return rows.map((row) =>
      toTrial(
        row,
        runs.filter((run) => run.trial_id === row.id),
      ),
    );
  }

  /** Sets a trial's status, objective value or intermediate values. */
  async updateTrial(id: string, options: UpdateTrialOptions): Promise<Trial> {
    if (options.status !== undefined && !trialStatuses.has(options.status)) {
      throw new DatabaseError(
        'INVALID_ARGUMENT',
        `Trial status must be running, completed, pruned or failed, got ${describeValue(options.status)}.`,
      );
    }
    if (options.value !== undefined && options.value !== null && !Number.isFinite(options.value))
      throw new DatabaseError(
        'INVALID_ARGUMENT',
        `Trial value must be a finite number or null, got ${describeValue(options.value)}.`,
      );
    const ended = options.status !== undefined && options.status !== 'running';
    await this.db
      .updateTable('holomind_trials')
      .set({
        ...(options.status === undefined ? {} : { status: options.status }),
        ...(options.value === undefined ? {} : { value: options.value }),
        ...(options.intermediate === undefined ? {} : { intermediate: toJsonColumn(options.intermediate) }),
        ...(ended ? { ended_at: new Date().toISOString() } : {}),
      })
      .where('id', '=', id)
      .execute();
    return this.getTrial(id);
  }

  /**
   * Records where one seed of a trial stands after a segment (insert or update); `segments` counts
   * the segments that moved it forward, so a segment recorded twice (a job delivered twice) counts once.
   */
  async recordRun(trialId: string, run: RecordTrialRunOptions): Promise<void> {
    const values = {
      trial_id: trialId,
      seed: requireIndex(run.seed, 'Seed'),
      experiment_id: run.experimentId,
      run_database: maskUrlCredentials(requireName(run.runDatabase, 'Run database', 4096)),
      checkpoint_dir: requireName(run.checkpointDir, 'Checkpoint folder', 4096),
      tasks_done: requireIndex(run.tasksDone, 'Tasks done'),
      matrix: toJsonColumn(requireMatrix(run.matrix)),
      segments: 1,
      updated_at: new Date().toISOString(),
    };
    await this.db
      .insertInto('holomind_trial_runs')
      .values(values)
      .onConflict((conflict) =>
        conflict.columns(['trial_id', 'seed']).doUpdateSet({
          experiment_id: values.experiment_id,
          run_database: values.run_database,
          checkpoint_dir: values.checkpoint_dir,
          tasks_done: values.tasks_done,
          matrix: values.matrix,
          // A job delivered twice (at-least-once queues) records the same segment again: count it once.
          segments: sql<number>`case when holomind_trial_runs.tasks_done < ${values.tasks_done} then holomind_trial_runs.segments + 1 else holomind_trial_runs.segments end`,
          updated_at: values.updated_at,
        }),
      )
      .execute();
  }
}

function requireMatrix(matrix: unknown): number[][] {
  const valid =
    Array.isArray(matrix) &&
    matrix.every((row) => Array.isArray(row) && row.every((cell) => typeof cell === 'number' && Number.isFinite(cell)));
  if (!valid) throw new DatabaseError('INVALID_ARGUMENT', `matrix must be rows of finite numbers, got ${describeValue(matrix)}.`);
  return matrix as number[][];
}

function toStudy(row: Selectable<StudiesTable>): Study {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    sampler: row.sampler,
    objective: row.objective,
    definition: parseJsonColumn<JsonObject>(row.definition),
    createdAt: new Date(row.created_at),
    endedAt: row.ended_at === null ? null : new Date(row.ended_at),
  };
}

function toTrial(row: Selectable<TrialsTable>, runs: Selectable<TrialRunsTable>[]): Trial {
  return {
    id: row.id,
    studyId: row.study_id,
    number: Number(row.number),
    params: parseJsonColumn<JsonObject>(row.params),
    status: row.status,
    value: row.value === null ? null : Number(row.value),
    intermediate: parseJsonColumn<Record<string, number>>(row.intermediate),
    runs: runs.map((run) => ({
      seed: Number(run.seed),
      experimentId: run.experiment_id,
      runDatabase: run.run_database,
      checkpointDir: run.checkpoint_dir,
      tasksDone: Number(run.tasks_done),
      matrix: parseJsonColumn<number[][]>(run.matrix),
      segments: Number(run.segments),
    })),
    createdAt: new Date(row.created_at),
    endedAt: row.ended_at === null ? null : new Date(row.ended_at),
  };
}
