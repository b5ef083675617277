import type { ColumnType } from 'kysely';
import type { JsonColumn, TimestampColumn } from '../schema.js';

/** A study's lifecycle: `running` until every trial is decided. */
export type StudyStatus = 'running' | 'completed' | 'failed';

/** A trial's lifecycle: `pruned` when early stopping ended it at an intermediate task. */
export type TrialStatus = 'running' | 'completed' | 'pruned' | 'failed';

/** `holomind_studies`: one hyperparameter search. */
export interface StudiesTable {
  id: string;
  name: string;
  status: StudyStatus;
  sampler: string;
  objective: string;
  /** The study as defined (search space, seeds, budget, pruner, base configuration). */
  definition: JsonColumn;
  created_at: TimestampColumn;
  ended_at: ColumnType<string | null, string | null | undefined, string | null>;
}

/** `holomind_trials`: one configuration of a study. */
export interface TrialsTable {
  id: string;
  study_id: string;
  /** 0, 1, ... in the order the sampler proposed them. */
  number: number;
  /** Search-space key (dotted configuration path) to value. */
  params: JsonColumn;
  status: TrialStatus;
  /** The objective, mean over seeds; null until completed (or the value it was pruned at). */
  value: number | null;
  /** Objective after each task, mean over seeds, by task count (`"1"`, `"2"`, ...). */
  intermediate: JsonColumn;
  created_at: TimestampColumn;
  ended_at: ColumnType<string | null, string | null | undefined, string | null>;
}

/** `holomind_trial_runs`: one seed of a trial, linked to its experiment and checkpoints. */
export interface TrialRunsTable {
  trial_id: string;
  seed: number;
  experiment_id: string | null;
  /** The database holding the run's experiment, metrics and checkpoint metadata (URL, credentials masked). */
  run_database: string;
  /** The run's output folder (its checkpoints under `states/`). */
  checkpoint_dir: string;
  tasks_done: number;
  /** Accuracy-matrix rows so far. */
  matrix: JsonColumn;
  /** Segments (pieces between pruning points) recorded; each is recorded once. */
  segments: number;
  updated_at: TimestampColumn;
}

/** The tables of `studyMigrations`. */
export interface StudyDatabase {
  holomind_studies: StudiesTable;
  holomind_trials: TrialsTable;
  holomind_trial_runs: TrialRunsTable;
}
