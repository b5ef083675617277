import { mean } from './continual-summary.js';
import type { RunSession } from './open-run.js';
import { epochStep, evaluationStep } from './steps.js';

/** Logs one trained epoch's loss and current-task test accuracy at its global step. */
export function recordEpoch(session: RunSession, taskIndex: number, epoch: number, loss: number, accuracy: number): void {
  session.monitoring.tracker.log(
    { loss, 'current_task/test_accuracy': accuracy },
    { taskId: `task-${taskIndex}`, step: epochStep(taskIndex, epoch, session.config.training.epochs) },
  );
}

/**
 * Records the accuracy-matrix row measured after training `taskIndex`: each cell once, as an
 * `accuracy` point of the evaluated task at the row's evaluation step (the database's accuracy
 * cells, and what the forgetting alert watches), plus the row's average accuracy, and the row in
 * the run's progress (so a checkpoint carries it).
 */
export function recordEvaluation(session: RunSession, taskIndex: number, row: number[]): void {
  const { monitoring } = session;
  const step = evaluationStep(taskIndex, session.config.training.epochs);
  monitoring.evaluator.recordRow(`task-${taskIndex}`, byTask(row));
  row.forEach((accuracy, j) => monitoring.tracker.log({ accuracy }, { taskId: `task-${j}`, step }));
  monitoring.tracker.log({ average_accuracy: mean(row), ...session.strategy.metrics() }, { step });
  if (monitoring.tensorboard)
    monitoring.tensorboard.addImage('accuracy_matrix', matrixImage(monitoring.evaluator.matrix()), step);
  if (taskIndex === session.tasks.length - 1) {
    const evaluation = monitoring.evaluator.toJSON();
    const finals: Record<string, number> = { 'final/average_accuracy': mean(row) };
    if (evaluation.backwardTransfer !== null) finals['final/backward_transfer'] = evaluation.backwardTransfer;
    if (evaluation.averageForgetting !== null) finals['final/average_forgetting'] = evaluation.averageForgetting;
    monitoring.tracker.log(finals, { step });
    monitoring.completed = true;
  }
  session.progress = { ...session.progress, taskIndex: taskIndex + 1, epochsDone: 0, matrix: [...session.progress.matrix, row] };
}

/**
 * The accuracy matrix as an RGB picture for TensorBoard's Images tab: one 16-pixel square per
 * cell, row i = after task i, column j = task j; white (0) to dark blue (1), grey where not evaluated.
 */
export function matrixImage(matrix: ReadonlyArray<ReadonlyArray<number | null>>, cell = 16) {
  const size = Math.max(1, matrix.length, ...matrix.map((row) => row.length));
  const width = size * cell;
  const data = new Uint8Array(width * width * 3);
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < width; x++) {
      const value = matrix[Math.floor(y / cell)]?.[Math.floor(x / cell)];
      const offset = (y * width + x) * 3;
      const color =
        value === null || value === undefined
          ? [200, 200, 200]
          : [255 * (1 - value), 255 * (1 - 0.6 * value), 255 - 100 * value].map(Math.round);
      data.set(color, offset);
    }
  }
  return { width, height: width, channels: 3 as const, data };
}

/** A matrix row keyed by task (`task-0`, …): a row may name tasks not trained yet (joint training evaluates every task at once). */
export function byTask(row: readonly number[]): Record<string, number> {
  return Object.fromEntries(row.map((accuracy, task) => [`task-${task}`, accuracy]));
}
