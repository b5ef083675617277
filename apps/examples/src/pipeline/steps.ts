/**
 * The run's one step scheme: a global step that increases monotonically across tasks, one per
 * trained epoch, `taskIndex × epochsPerTask + epoch` (0-based). Per-epoch metrics (loss, current
 * task accuracy) are logged at their epoch's step; the accuracy-matrix row after task i (and the
 * average accuracy) at the step of task i's last epoch, `(i + 1) × epochsPerTask − 1`.
 */
export function epochStep(taskIndex: number, epoch: number, epochsPerTask: number): number {
  return taskIndex * epochsPerTask + epoch;
}

/** The step of the evaluation after training task `taskIndex`: its last epoch's step. */
export function evaluationStep(taskIndex: number, epochsPerTask: number): number {
  return epochStep(taskIndex, epochsPerTask - 1, epochsPerTask);
}
