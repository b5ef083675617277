import { averageAccuracyOf, averageForgettingOf } from '@holomind/monitoring';

/** The two numbers the CLI prints for a run. */
export interface ContinualSummary {
  /** ACC: mean of the last row, R[T][0..T] (Lopez-Paz & Ranzato 2017). */
  averageAccuracy: number;
  /** Average forgetting over the tasks before the last; null after a single task (nothing earlier to forget). */
  forgetting: number | null;
}

/**
 * Average accuracy and forgetting of an accuracy matrix (row i: accuracies on tasks 0..i after
 * training task i), with @holomind/monitoring's one definition (Chaudhry et al. 2018: the drop of each
 * earlier task from its best earlier accuracy, averaged) — the numbers the HTML report and the
 * dashboard show too.
 */
export function summarizeAccuracyMatrix(matrix: ReadonlyArray<ReadonlyArray<number | null>>): ContinualSummary {
  if (matrix.length === 0) return { averageAccuracy: Number.NaN, forgetting: null };
  // Rows are lower-triangular: cells of tasks not yet trained are null (trimmed); a missing cell inside is NaN.
  const rows = matrix.map((row) => {
    const trained = row.length - [...row].reverse().findIndex((cell) => cell !== null);
    return row.slice(0, trained > row.length ? 0 : trained).map((cell) => cell ?? Number.NaN);
  });
  return {
    averageAccuracy: averageAccuracyOf(rows),
    forgetting: matrix.length === 1 ? null : averageForgettingOf(rows),
  };
}

/** Mean of `values`; NaN for none. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}
