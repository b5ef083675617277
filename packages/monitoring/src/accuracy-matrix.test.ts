import { describe, expect, it } from 'vitest';
import { averageAccuracyOf, averageForgettingOf, backwardTransferOf, dropFromBest, forgettingOf } from './accuracy-matrix.js';

/*
 * The CLI's lower-triangular matrix (row i evaluated on tasks 0..i), computed by hand:
 *   f_0 = max(0.90, 0.95) − 0.60 = 0.35, f_1 = max(0.85) − 0.80 = 0.05, mean 0.20
 *   ACC = (0.60 + 0.80 + 0.95) / 3, BWT = ((0.60 − 0.90) + (0.80 − 0.85)) / 2 = −0.175
 * The drop from R[j][j] alone (the CLI's old definition) would give f_0 = 0.30 instead.
 */
const ragged = [[0.9], [0.95, 0.85], [0.6, 0.8, 0.95]];

describe('accuracy-matrix measures', () => {
  it('compute Chaudhry forgetting, ACC and BWT of a ragged matrix by hand', () => {
    const forgetting = forgettingOf(ragged);
    expect(forgetting).toHaveLength(2);
    expect(forgetting[0]).toBeCloseTo(0.35, 12);
    expect(forgetting[1]).toBeCloseTo(0.05, 12);
    expect(averageForgettingOf(ragged)).toBeCloseTo(0.2, 12);
    expect(averageAccuracyOf(ragged)).toBeCloseTo(2.35 / 3, 12);
    expect(backwardTransferOf(ragged)).toBeCloseTo(-0.175, 12);
    expect(forgettingOf(ragged, { stage: 1 })[0]).toBeCloseTo(-0.05, 12);
    expect(forgettingOf([[0.9]])).toEqual([]);
  });

  it('counts an evaluation made before the task was trained, as the max over every earlier row does', () => {
    // Task 1 scored 0.7 after task 0 (transfer), 0.6 after its own training, 0.5 at the end.
    expect(
      forgettingOf([
        [0.9, 0.7],
        [0.9, 0.6],
        [0.9, 0.5, 0.9],
      ])[1],
    ).toBeCloseTo(0.2, 12);
  });

  it('names the missing cell, or the too-early stage, with MISSING_ACCURACY', () => {
    expect(() => forgettingOf([[0.9], [null, 0.8]], { tasks: ['A', 'B'] })).toThrow(
      expect.objectContaining({
        code: 'MISSING_ACCURACY',
        message: expect.stringMatching(/task A after training task B \(R\[1\]\[0\]\)/),
      }),
    );
    expect(() => averageForgettingOf([[0.9]])).toThrow(/at least two trained tasks/);
    expect(() => averageAccuracyOf([])).toThrow(/at least one trained task/);
  });

  it('lets NaN propagate from any cell it reads', () => {
    expect(dropFromBest([0.9, Number.NaN], 0.5)).toBeNaN();
    expect(forgettingOf([[Number.NaN], [0.5, 0.9]])[0]).toBeNaN();
  });
});
