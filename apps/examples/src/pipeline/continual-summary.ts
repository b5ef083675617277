/** The two numbers the CLI prints for a run. */
export interface ContinualSummary {
  /** ACC: mean of the last row, R[T][0..T] (Lopez-Paz & Ranzato 2017). */
  averageAccuracy: number;
  /** Average forgetting over the tasks before the last; null after a single task (nothing earlier to forget). */
  forgetting: number | null;
}

/**
 * Average accuracy and forgetting of an accuracy matrix (row i: accuracies on tasks 0..i after
 * training task i). Forgetting is Chaudhry et al. 2018: for each earlier task j, the best accuracy
 * of the evaluations before the last, max_{l=j..T-1} R[l][j], minus the final R[T][j], averaged
 * over j = 0..T-1. It must equal @holomind/monitoring's definition (ContinualEvaluator's
 * `averageForgetting`, the number the HTML report and the dashboard show); the must-show test in
 * run-consistency.test.ts checks the two agree on a real run.
 */
export function summarizeAccuracyMatrix(matrix: ReadonlyArray<ReadonlyArray<number | null>>): ContinualSummary {
  const last = matrix.length - 1;
  const cell = (row: number, task: number) => matrix[row]?.[task] ?? Number.NaN;
  if (last < 0) return { averageAccuracy: Number.NaN, forgetting: null };
  let accuracySum = 0;
  for (let j = 0; j <= last; j++) accuracySum += cell(last, j);
  if (last === 0) return { averageAccuracy: accuracySum, forgetting: null };
  let forgettingSum = 0;
  for (let j = 0; j < last; j++) {
    let best = -Infinity;
    for (let l = j; l < last; l++) best = Math.max(best, cell(l, j));
    forgettingSum += best - cell(last, j);
  }
  return { averageAccuracy: accuracySum / (last + 1), forgetting: forgettingSum / last };
}

/** Mean of `values`; NaN for none. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}
