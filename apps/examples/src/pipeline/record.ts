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
  session.progress = { ...session.progress, taskIndex: taskIndex + 1, epochsDone: 0, matrix: [...session.progress.matrix, row] };
}

/** A matrix row keyed by task (`task-0`, …): a row may name tasks not trained yet (joint training evaluates every task at once). */
export function byTask(row: readonly number[]): Record<string, number> {
  return Object.fromEntries(row.map((accuracy, task) => [`task-${task}`, accuracy]));
}
