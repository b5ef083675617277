import { describe, expect, it } from 'vitest';
import { AlertManager } from './alert-manager.js';
import { ContinualEvaluator } from './continual-evaluator.js';
import { MonitoringError } from './errors.js';
import { MetricsTracker } from './metrics-tracker.js';

/*
 * Hand-computed reference. Three tasks A, B, C; R[i][j] = accuracy on task j after training task i.
 *
 *              eval A  eval B  eval C
 *   after A     0.90    0.10    0.20
 *   after B     0.95    0.85    0.15
 *   after C     0.60    0.80    0.95
 *   baseline    0.10    0.12    0.18
 *
 * ACC (after C)  = (0.60 + 0.80 + 0.95) / 3                       = 2.35 / 3 = 0.78333…
 * BWT (after C)  = ((0.60 − 0.90) + (0.80 − 0.85)) / 2            = −0.35 / 2 = −0.175
 * FWT (after C)  = ((R[A][B] − b_B) + (R[B][C] − b_C)) / 2
 *                = ((0.10 − 0.12) + (0.15 − 0.18)) / 2            = −0.05 / 2 = −0.025
 * Forgetting A   = max(0.90, 0.95) − 0.60 = 0.35   (BWT would use 0.90: the two differ on purpose)
 * Forgetting B   = max(0.85) − 0.80       = 0.05
 * Avg forgetting = (0.35 + 0.05) / 2      = 0.20
 * After B: ACC = (0.95 + 0.85) / 2 = 0.90, BWT = 0.95 − 0.90 = +0.05, FWT = 0.10 − 0.12 = −0.02,
 *          forgetting A = 0.90 − 0.95 = −0.05.
 */
function handExample(): ContinualEvaluator {
  const evaluator = new ContinualEvaluator({ tasks: ['A', 'B', 'C'], baseline: [0.1, 0.12, 0.18] });
  evaluator.recordRow('A', [0.9, 0.1, 0.2]);
  evaluator.recordRow('B', { A: 0.95, B: 0.85, C: 0.15 });
  evaluator.record('C', 'A', 0.6);
  evaluator.record('C', 'B', 0.8);
  evaluator.record('C', 'C', 0.95);
  return evaluator;
}

describe('ContinualEvaluator', () => {
  it('reproduces the hand-computed ACC, BWT, FWT and forgetting of a 3-task matrix', () => {
    const evaluator = handExample();
    expect(evaluator.matrix()).toEqual([
      [0.9, 0.1, 0.2],
      [0.95, 0.85, 0.15],
      [0.6, 0.8, 0.95],
    ]);
    expect(evaluator.currentStage()).toBe(2);
    expect(evaluator.averageAccuracy()).toBeCloseTo(0.783333333333, 12);
    expect(evaluator.backwardTransfer()).toBeCloseTo(-0.175, 12);
    expect(evaluator.forwardTransfer()).toBeCloseTo(-0.025, 12);
    const forgetting = evaluator.forgetting();
    expect(forgetting.map((entry) => entry.task)).toEqual(['A', 'B']);
    expect(forgetting[0]!.value).toBeCloseTo(0.35, 12);
    expect(forgetting[1]!.value).toBeCloseTo(0.05, 12);
    expect(evaluator.averageForgetting()).toBeCloseTo(0.2, 12);
  });

  it('computes the same measures at an earlier stage', () => {
    const evaluator = handExample();
    expect(evaluator.averageAccuracy(1)).toBeCloseTo(0.9, 12);
    expect(evaluator.backwardTransfer(1)).toBeCloseTo(0.05, 12);
    expect(evaluator.forwardTransfer(1)).toBeCloseTo(-0.02, 12);
    expect(evaluator.forgetting(1)[0]!.value).toBeCloseTo(-0.05, 12);
  });

  it('serialises to JSON with the definitions it used, and marks what cannot be computed yet', () => {
    const complete = JSON.parse(JSON.stringify(handExample()));
    expect(complete.tasks).toEqual(['A', 'B', 'C']);
    expect(complete.stage).toBe(2);
    expect(complete.backwardTransfer).toBeCloseTo(-0.175, 12);
    expect(complete.baseline).toEqual([0.1, 0.12, 0.18]);
    expect(complete.definitions.forgetting).toMatch(/Chaudhry/);
    expect(complete.definitions.backwardTransfer).toMatch(/Lopez-Paz/);

    const partial = new ContinualEvaluator();
    partial.record(0, 0, 0.97);
    partial.record(1, 1, 0.9); // row 1 misses task 0: stage stays 0
    const report = partial.toJSON();
    expect(report.stage).toBe(0);
    expect(report.averageAccuracy).toBeCloseTo(0.97, 12);
    expect(report.backwardTransfer).toBeNull();
    expect(report.matrix).toEqual([
      [0.97, null],
      [null, 0.9],
    ]);
    expect(report.notes.join('\n')).toMatch(/backwardTransfer: .*at least two trained tasks/);
  });

  it('explains a missing cell or baseline with MISSING_ACCURACY', () => {
    const evaluator = new ContinualEvaluator({ tasks: ['A', 'B'] });
    evaluator.recordRow('A', [0.9, 0.2]);
    evaluator.recordRow('B', [0.7, 0.8]);
    expect(() => evaluator.forwardTransfer()).toThrow(MonitoringError);
    expect(() => evaluator.forwardTransfer()).toThrow(
      expect.objectContaining({ code: 'MISSING_ACCURACY', message: expect.stringMatching(/baseline accuracy of task B/) }),
    );
    expect(() => new ContinualEvaluator().averageAccuracy()).toThrow(/No complete row yet/);
  });

  it('keeps a NaN accuracy and lets it propagate instead of hiding it', () => {
    const evaluator = new ContinualEvaluator();
    evaluator.recordRow(0, { 0: 0.9 });
    evaluator.recordRow(1, { 0: Number.NaN, 1: 0.8 });
    expect(evaluator.averageAccuracy()).toBeNaN();
    expect(evaluator.forgetting()[0]!.value).toBeNaN();
    expect(() => evaluator.record(1, 1, '0.8' as unknown as number)).toThrow(/pass a number/);
  });

  it('notifies subscribers with the new report on every record', () => {
    const evaluator = new ContinualEvaluator();
    const stages: number[] = [];
    evaluator.subscribe((report) => stages.push(report.stage));
    evaluator.record(0, 0, 0.9);
    evaluator.record(1, 0, 0.8);
    evaluator.record(1, 1, 0.85);
    expect(stages).toEqual([0, 0, 1]);
  });

  it('logs every cell to a tracker, where a forgetting rule fires on the hand-computed drop of task A', () => {
    const tracker = new MetricsTracker({ metrics: { accuracy: { goal: 'maximize' } } });
    const alerts = new AlertManager({
      tracker,
      rules: [{ kind: 'forgetting', metric: 'accuracy', warning: 0.1, error: 0.3, cooldownMs: 0 }],
    });
    const evaluator = new ContinualEvaluator({ tasks: ['A', 'B', 'C'], tracker });
    evaluator.recordRow('A', [0.9, 0.1, 0.2], { step: 100 });
    alerts.setCurrentTask('B');
    evaluator.recordRow('B', [0.95, 0.85, 0.15], { step: 200 });
    alerts.setCurrentTask('C');
    evaluator.recordRow('C', [0.6, 0.8, 0.95], { step: 300 });
    expect(tracker.series({ metric: 'accuracy', taskId: 'A' })[0]).toMatchObject({
      steps: [100, 200, 300],
      values: [0.9, 0.95, 0.6],
    });
    // Task A: best 0.95, now 0.60, drop 0.35 > 0.3 → error; task B: drop 0.05 → nothing.
    const fired = alerts.getHistory();
    expect(fired.map((alert) => [alert.taskId, alert.severity, alert.reference, alert.value, alert.step])).toEqual([
      ['A', 'error', 0.95, 0.6, 300],
    ]);
  });
});
