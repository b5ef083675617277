import { describe, expect, it } from 'vitest';
import { ContinualEvaluator } from '@holomind/monitoring';
import { summarizeAccuracyMatrix } from './continual-summary.js';

describe('summarizeAccuracyMatrix', () => {
  it("equals @holomind/monitoring's average accuracy and average forgetting (Chaudhry et al. 2018)", () => {
    const matrix = [[0.99], [0.7, 0.98], [0.8, 0.6, 0.97], [0.5, 0.65, 0.9, 0.96]];
    const evaluator = new ContinualEvaluator({ tasks: ['a', 'b', 'c', 'd'] });
    matrix.forEach((row, i) => evaluator.recordRow(['a', 'b', 'c', 'd'][i]!, row));
    const summary = summarizeAccuracyMatrix(matrix);
    expect(summary.averageAccuracy).toBeCloseTo(evaluator.averageAccuracy(), 12);
    expect(summary.forgetting).toBeCloseTo(evaluator.averageForgetting(), 12);
    // By hand: task a best 0.99 → 0.5, b best 0.98 → 0.65, c best 0.97 → 0.9; mean of 0.49, 0.33, 0.07.
    expect(summary.forgetting).toBeCloseTo((0.49 + 0.33 + 0.07) / 3, 12);
  });

  it('reads a matrix whose untrained cells are null, as the database returns it', () => {
    const square = [
      [0.99, null, null],
      [0.7, 0.98, null],
      [0.8, 0.6, 0.97],
    ];
    expect(summarizeAccuracyMatrix(square)).toEqual(summarizeAccuracyMatrix([[0.99], [0.7, 0.98], [0.8, 0.6, 0.97]]));
  });

  it('has no forgetting after a single task and nothing at all before one', () => {
    expect(summarizeAccuracyMatrix([[0.9]])).toEqual({ averageAccuracy: 0.9, forgetting: null });
    expect(summarizeAccuracyMatrix([]).forgetting).toBeNull();
  });
});
