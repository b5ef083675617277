import { describe, expect, it } from 'vitest';
import { meanAndStd, objectiveOf } from './objective.js';
import { trialsToPrune } from './pruner.js';

const rung = (values: number[]) => values.map((value, trialNumber) => ({ trialNumber, value }));

describe('trialsToPrune', () => {
  it('median rule: stops the trials strictly below the median (even count: mean of the middle two)', () => {
    expect([...trialsToPrune('median', rung([0.5, 0.9, 0.7, 0.1]))].sort()).toEqual([0, 3]);
    expect([...trialsToPrune('median', rung([0.5, 0.5, 0.5]))]).toEqual([]);
    expect([...trialsToPrune('median', rung([0.2, 0.4, 0.3]))]).toEqual([0]);
  });

  it('successive halving: keeps the best ceil(n / eta), ties to the lower trial number', () => {
    expect([...trialsToPrune('halving', rung([0.5, 0.9, 0.7, 0.1, 0.9]), 2)].sort()).toEqual([0, 3]);
    expect([...trialsToPrune('halving', rung([0.3, 0.3, 0.3]), 3)].sort()).toEqual([1, 2]);
  });

  it('never prunes a lone trial or under rule none', () => {
    expect(trialsToPrune('median', rung([0.1])).size).toBe(0);
    expect(trialsToPrune('none', rung([0.1, 0.9])).size).toBe(0);
  });
});

describe('objectiveOf', () => {
  it('is the last row average, minus the average forgetting when asked', () => {
    const matrix = [[0.9], [0.7, 0.8], [0.6, 0.7, 0.95]];
    expect(objectiveOf(matrix, 'accuracy')).toBeCloseTo((0.6 + 0.7 + 0.95) / 3, 12);
    // Forgetting: task 0 from 0.9 to 0.6, task 1 from 0.8 to 0.7: mean 0.2.
    expect(objectiveOf(matrix, 'accuracy-minus-forgetting')).toBeCloseTo((0.6 + 0.7 + 0.95) / 3 - 0.2, 12);
    expect(objectiveOf([[0.5]], 'accuracy-minus-forgetting')).toBe(0.5);
  });

  it('meanAndStd uses the sample standard deviation', () => {
    expect(meanAndStd([1, 3])).toEqual({ mean: 2, std: Math.SQRT2 });
    expect(meanAndStd([4])).toEqual({ mean: 4, std: 0 });
  });
});
