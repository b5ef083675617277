import { MonitoringError } from './errors.js';

/**
 * R[i][j]: accuracy on task j after training task i (tasks in training order). Rows may be ragged,
 * e.g. lower-triangular (row i evaluated on tasks 0..i); null or undefined means "not evaluated".
 */
export type AccuracyMatrix = ReadonlyArray<ReadonlyArray<number | null | undefined>>;

/** Options of the accuracy-matrix measures. */
export interface AccuracyMatrixOptions {
  /** The row k the measure is taken at (k + 1 tasks trained). Default: the last row. */
  stage?: number;
  /** Task names, in training order, for error messages. Default: the indices. */
  tasks?: readonly string[];
}

/**
 * Forgetting of every task trained before stage k (Chaudhry et al. 2018, "Riemannian Walk"):
 * f_j = max over earlier rows l < k of R[l][j], minus R[k][j], for each j < k. Positive means the
 * task was forgotten; negative means it improved. Earlier rows before task j was trained count when
 * they were evaluated; R[j][j]..R[k][j] are required. A NaN cell makes that task's value NaN.
 *
 * @example
 * ```ts
 * forgettingOf([[0.9], [0.95, 0.85], [0.6, 0.8, 0.95]]); // [0.35, 0.05]: best of task 0 was 0.95, now 0.6
 * ```
 */
export function forgettingOf(matrix: AccuracyMatrix, options: AccuracyMatrixOptions = {}): number[] {
  const stage = stageOf(matrix, options, 0);
  const forgetting: number[] = [];
  for (let j = 0; j < stage; j++) {
    const earlier: number[] = [];
    for (let l = 0; l < j; l++) {
      const before = matrix[l]?.[j];
      if (typeof before === 'number') earlier.push(before);
    }
    for (let l = j; l < stage; l++) earlier.push(cell(matrix, l, j, options));
    forgetting.push(dropFromBest(earlier, cell(matrix, stage, j, options)));
  }
  return forgetting;
}

/**
 * One task's forgetting: its best earlier accuracy minus its accuracy now. The one formula behind
 * {@link forgettingOf} and the alerts' forgetting rule. Math.max ignores nothing: a NaN makes it NaN.
 */
export function dropFromBest(earlier: Iterable<number>, now: number): number {
  let best = -Infinity;
  for (const value of earlier) best = Math.max(best, value);
  return best - now;
}

/** The mean of {@link forgettingOf} over tasks 0..k−1 (needs stage k ≥ 1). */
export function averageForgettingOf(matrix: AccuracyMatrix, options: AccuracyMatrixOptions = {}): number {
  stageOf(matrix, options, 1, 'average forgetting');
  return mean(forgettingOf(matrix, options));
}

/** ACC = (1 / (k + 1)) Σ_{j=0..k} R[k][j] (Lopez-Paz & Ranzato 2017). */
export function averageAccuracyOf(matrix: AccuracyMatrix, options: AccuracyMatrixOptions = {}): number {
  const stage = stageOf(matrix, options, 0);
  return mean(Array.from({ length: stage + 1 }, (_, j) => cell(matrix, stage, j, options)));
}

/** BWT = (1 / k) Σ_{j=0..k−1} (R[k][j] − R[j][j]) (Lopez-Paz & Ranzato 2017); negative means forgetting. */
export function backwardTransferOf(matrix: AccuracyMatrix, options: AccuracyMatrixOptions = {}): number {
  const stage = stageOf(matrix, options, 1, 'backward transfer');
  return mean(Array.from({ length: stage }, (_, j) => cell(matrix, stage, j, options) - cell(matrix, j, j, options)));
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The stage asked for (default the last row), checked to be a row ≥ `minimum`. */
function stageOf(matrix: AccuracyMatrix, options: AccuracyMatrixOptions, minimum: number, what = 'this measure'): number {
  const stage = options.stage ?? matrix.length - 1;
  if (!Number.isSafeInteger(stage) || stage < minimum || stage >= matrix.length) {
    const needs = minimum === 0 ? 'at least one trained task (stage ≥ 0)' : 'at least two trained tasks (stage ≥ 1)';
    throw new MonitoringError('MISSING_ACCURACY', `${what} needs ${needs}; stage is ${stage} of ${matrix.length} rows.`);
  }
  return stage;
}

function cell(matrix: AccuracyMatrix, trained: number, evaluated: number, options: AccuracyMatrixOptions): number {
  const value = matrix[trained]?.[evaluated];
  if (typeof value !== 'number') {
    const name = (index: number) => options.tasks?.[index] ?? String(index);
    throw new MonitoringError(
      'MISSING_ACCURACY',
      `No accuracy recorded on task ${name(evaluated)} after training task ${name(trained)} (R[${trained}][${evaluated}]); record it first.`,
    );
  }
  return value;
}
