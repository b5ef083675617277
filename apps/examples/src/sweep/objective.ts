import { summarizeAccuracyMatrix } from '../pipeline/continual-summary.js';
import type { StudySpec } from './study-spec.js';

/**
 * A run's objective from its accuracy matrix so far (rows up to the last trained task):
 * `accuracy` is the average accuracy of the last row; `accuracy-minus-forgetting` subtracts the
 * average forgetting (0 after one task).
 */
export function objectiveOf(matrix: readonly (readonly number[])[], objective: StudySpec['objective']): number {
  const { averageAccuracy, forgetting } = summarizeAccuracyMatrix(matrix);
  return objective === 'accuracy' ? averageAccuracy : averageAccuracy - (forgetting ?? 0);
}

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  if (values.length < 2) return { mean, std: 0 };
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}
