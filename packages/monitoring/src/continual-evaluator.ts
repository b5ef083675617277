import { describeValue, type TaskId } from '@holomind/core';
import {
  averageAccuracyOf,
  averageForgettingOf,
  backwardTransferOf,
  forgettingOf,
  type AccuracyMatrixOptions,
} from './accuracy-matrix.js';
import { MonitoringError } from './errors.js';
import { Listeners } from './listeners.js';
import { normalizeTaskId, type MetricsTracker } from './metrics-tracker.js';

/** Options of {@link ContinualEvaluator}. */
export interface ContinualEvaluatorOptions {
  /** Tasks in training order. Tasks named later by `record` are appended in order of first appearance. */
  tasks?: TaskId[];
  /**
   * Accuracy of the reference model on each task before any training (Lopez-Paz & Ranzato's b̄;
   * e.g. a randomly initialised network). Needed for forward transfer only.
   */
  baseline?: Record<string, number> | number[];
  /**
   * When given, every recorded accuracy is also logged as `metric` with the evaluated task as
   * `taskId`, so alert rules (forgetting) and dashboards see it. The step is the one passed to
   * `record`, else the tracker's next step.
   */
  tracker?: MetricsTracker;
  /** Metric name for `tracker`. Default `accuracy`. */
  metric?: string;
}

/** Forgetting of one task (Chaudhry et al. 2018). */
export interface TaskForgetting {
  task: string;
  /** max over earlier rows l < k of R[l][j], minus R[k][j] ({@link forgettingOf}). */
  value: number;
}

/** The evaluator as JSON; numbers that cannot be computed yet are null with the reason in `notes`. */
export interface ContinualEvaluationReport {
  tasks: string[];
  /** R[i][j]: accuracy on task j after training task i; null when not recorded. */
  matrix: Array<Array<number | null>>;
  /** Index of the last row with every trained task's accuracy recorded (the stage reported), or −1. */
  stage: number;
  averageAccuracy: number | null;
  backwardTransfer: number | null;
  forwardTransfer: number | null;
  forgetting: TaskForgetting[];
  averageForgetting: number | null;
  baseline: Array<number | null>;
  definitions: Record<'averageAccuracy' | 'backwardTransfer' | 'forwardTransfer' | 'forgetting', string>;
  notes: string[];
}

/** The definitions used, stated in every report. k is the stage (0-based row), T = k + 1 tasks trained. */
export const EVALUATION_DEFINITIONS: ContinualEvaluationReport['definitions'] = {
  averageAccuracy: 'ACC = (1/T) Σ_{j=0..k} R[k][j]  (Lopez-Paz & Ranzato 2017)',
  backwardTransfer: 'BWT = (1/k) Σ_{j=0..k-1} (R[k][j] - R[j][j])  (Lopez-Paz & Ranzato 2017); negative means forgetting',
  forwardTransfer: 'FWT = (1/k) Σ_{j=1..k} (R[j-1][j] - b[j]), b = baseline accuracy before training  (Lopez-Paz & Ranzato 2017)',
  forgetting: 'f_j = max_{l=0..k-1} R[l][j] - R[k][j] for j < k, averaged over j = 0..k-1  (Chaudhry et al. 2018, RWalk)',
};

/**
 * The accuracy matrix of a continual learner and the standard numbers derived from it: average
 * accuracy (ACC), backward transfer (BWT), forward transfer (FWT, against a baseline) and
 * forgetting per task. Row i is "after training task i", column j is "evaluated on task j".
 *
 * @example
 * ```ts
 * const evaluator = new ContinualEvaluator({ tasks: ['mnist-0-4', 'mnist-5-9'] });
 * evaluator.recordRow('mnist-0-4', { 'mnist-0-4': 0.98, 'mnist-5-9': 0.11 });
 * evaluator.recordRow('mnist-5-9', { 'mnist-0-4': 0.71, 'mnist-5-9': 0.97 });
 * evaluator.backwardTransfer(); // 0.71 - 0.98 = -0.27
 * ```
 */
export class ContinualEvaluator {
  private readonly taskList: string[] = [];
  /** Sparse: cells[trained][evaluated]. */
  private readonly cells = new Map<string, Map<string, number>>();
  private readonly baseline = new Map<string, number>();
  private readonly listeners = new Listeners<ContinualEvaluationReport>();
  private readonly tracker: MetricsTracker | undefined;
  private readonly metric: string;

  constructor(options: ContinualEvaluatorOptions = {}) {
    this.tracker = options.tracker;
    this.metric = options.metric ?? 'accuracy';
    for (const task of options.tasks ?? []) this.ensureTask(task);
    if (Array.isArray(options.baseline)) {
      options.baseline.forEach((accuracy, index) => {
        const task = this.taskList[index];
        if (task === undefined) {
          throw new MonitoringError(
            'INVALID_ARGUMENT',
            `baseline has ${options.baseline!.length} entries but only ${this.taskList.length} tasks are named; pass tasks or a baseline keyed by task.`,
          );
        }
        this.setBaseline(task, accuracy);
      });
    } else if (options.baseline) {
      for (const [task, accuracy] of Object.entries(options.baseline)) this.setBaseline(task, accuracy);
    }
  }

  /** Tasks in training order. */
  get tasks(): readonly string[] {
    return this.taskList;
  }

  /** Sets the accuracy of the untrained reference model on `task` (for forward transfer). */
  setBaseline(task: TaskId, accuracy: number): void {
    this.baseline.set(this.ensureTask(task), checkAccuracy(accuracy, `baseline of task ${String(task)}`));
  }

  /** Records the accuracy on `evaluatedTask` measured after training `trainedTask`. NaN is kept and propagates. */
  record(trainedTask: TaskId, evaluatedTask: TaskId, accuracy: number, context: { step?: number } = {}): void {
    const trained = this.ensureTask(trainedTask);
    const evaluated = this.ensureTask(evaluatedTask);
    const value = checkAccuracy(accuracy, `accuracy on task ${evaluated} after task ${trained}`);
    let row = this.cells.get(trained);
    if (row === undefined) this.cells.set(trained, (row = new Map()));
    row.set(evaluated, value);
    this.tracker?.log({ [this.metric]: value }, { taskId: evaluated, step: context.step });
    if (this.listeners.size > 0) {
      const report = this.toJSON();
      for (const listener of this.listeners) listener(report);
    }
  }

  /** Records a whole row: accuracies keyed by task, or an array in task order. */
  recordRow(trainedTask: TaskId, accuracies: Record<string, number> | number[], context: { step?: number } = {}): void {
    // The trained task is known from here on, so an array row may include it.
    this.ensureTask(trainedTask);
    const entries: Array<[TaskId, number]> = Array.isArray(accuracies)
      ? accuracies.map((accuracy, index) => {
          const task = this.taskList[index];
          if (task === undefined) {
            throw new MonitoringError(
              'INVALID_ARGUMENT',
              `recordRow got ${accuracies.length} accuracies but only ${this.taskList.length} task(s) are known; name the tasks in options.tasks or key the row by task.`,
            );
          }
          return [task, accuracy];
        })
      : Object.entries(accuracies);
    for (const [task, accuracy] of entries) this.record(trainedTask, task, accuracy, context);
  }

  /** Calls `listener` with the new report after every `record`. Returns the unsubscribe function. */
  subscribe(listener: (report: ContinualEvaluationReport) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  /** R[i][j] in task order; null where nothing was recorded. */
  matrix(): Array<Array<number | null>> {
    return this.taskList.map((trained) => this.taskList.map((evaluated) => this.cells.get(trained)?.get(evaluated) ?? null));
  }

  /** The accuracy on `evaluatedTask` after `trainedTask`, or undefined. */
  accuracy(trainedTask: TaskId, evaluatedTask: TaskId): number | undefined {
    return this.cells.get(normalizeTaskId(trainedTask)!)?.get(normalizeTaskId(evaluatedTask)!);
  }

  /** The latest stage with every needed cell R[k][0..k] recorded, or −1. */
  currentStage(): number {
    for (let k = this.taskList.length - 1; k >= 0; k--) {
      if (this.taskList.slice(0, k + 1).every((_, j) => this.cell(k, j) !== undefined)) return k;
    }
    return -1;
  }

  /** ACC at `stage` (default: the current one); see {@link averageAccuracyOf}. */
  averageAccuracy(stage = this.requireStage()): number {
    return averageAccuracyOf(this.matrix(), this.at(stage));
  }

  /** BWT at `stage` (needs stage ≥ 1); see {@link backwardTransferOf}. */
  backwardTransfer(stage = this.requireStage()): number {
    return backwardTransferOf(this.matrix(), this.at(stage));
  }

  /** FWT at `stage` against the baseline (needs stage ≥ 1, R[j−1][j] and b[j] for j = 1..stage). */
  forwardTransfer(stage = this.requireStage()): number {
    this.requireLaterStage(stage, 'forward transfer');
    let sum = 0;
    for (let j = 1; j <= stage; j++) {
      const task = this.taskList[j]!;
      const base = this.baseline.get(task);
      if (base === undefined) {
        throw new MonitoringError(
          'MISSING_ACCURACY',
          `Forward transfer needs the baseline accuracy of task ${task}; pass it as options.baseline or setBaseline('${task}', accuracy).`,
        );
      }
      sum += this.require(j - 1, j) - base;
    }
    return sum / stage;
  }

  /** Forgetting of every task trained before `stage` (Chaudhry et al. 2018); see {@link forgettingOf}. */
  forgetting(stage = this.requireStage()): TaskForgetting[] {
    return forgettingOf(this.matrix(), this.at(stage)).map((value, j) => ({ task: this.taskList[j]!, value }));
  }

  /** Mean forgetting over the tasks trained before `stage`; see {@link averageForgettingOf}. */
  averageForgetting(stage = this.requireStage()): number {
    return averageForgettingOf(this.matrix(), this.at(stage));
  }

  /** Everything as JSON; what cannot be computed yet is null with a note saying why. */
  toJSON(): ContinualEvaluationReport {
    const stage = this.currentStage();
    const notes: string[] = [];
    const attempt = <T>(name: string, compute: () => T): T | null => {
      try {
        return compute();
      } catch (error) {
        if (!MonitoringError.isInstance(error)) throw error;
        notes.push(`${name}: ${error.message}`);
        return null;
      }
    };
    return {
      tasks: [...this.taskList],
      matrix: this.matrix(),
      stage,
      averageAccuracy: attempt('averageAccuracy', () => this.averageAccuracy()),
      backwardTransfer: attempt('backwardTransfer', () => this.backwardTransfer()),
      forwardTransfer: attempt('forwardTransfer', () => this.forwardTransfer()),
      forgetting: attempt('forgetting', () => this.forgetting()) ?? [],
      averageForgetting: attempt('averageForgetting', () => this.averageForgetting()),
      baseline: this.taskList.map((task) => this.baseline.get(task) ?? null),
      definitions: { ...EVALUATION_DEFINITIONS },
      notes,
    };
  }

  /** Options for the accuracy-matrix measures: the stage, and task names for their messages. */
  private at(stage: number): AccuracyMatrixOptions {
    return { stage, tasks: this.taskList };
  }

  private ensureTask(task: TaskId): string {
    const id = normalizeTaskId(task);
    if (id === null) throw new MonitoringError('INVALID_ARGUMENT', 'A task id is required (a string or a number).');
    if (!this.taskList.includes(id)) this.taskList.push(id);
    return id;
  }

  private cell(trained: number, evaluated: number): number | undefined {
    return this.cells.get(this.taskList[trained]!)?.get(this.taskList[evaluated]!);
  }

  private require(trained: number, evaluated: number): number {
    const value = this.cell(trained, evaluated);
    if (value === undefined) {
      throw new MonitoringError(
        'MISSING_ACCURACY',
        `No accuracy recorded on task ${this.taskList[evaluated] ?? evaluated} after training task ${this.taskList[trained] ?? trained}; ` +
          `record(${describeValue(this.taskList[trained])}, ${describeValue(this.taskList[evaluated])}, accuracy) first.`,
      );
    }
    return value;
  }

  private requireStage(): number {
    const stage = this.currentStage();
    if (stage < 0) {
      throw new MonitoringError(
        'MISSING_ACCURACY',
        `No complete row yet: record the accuracy on task ${this.taskList[0] ?? '(none)'} after training it.`,
      );
    }
    return stage;
  }

  private requireLaterStage(stage: number, what: string): void {
    if (!Number.isSafeInteger(stage) || stage < 1 || stage >= this.taskList.length) {
      throw new MonitoringError(
        'MISSING_ACCURACY',
        `${what} needs at least two trained tasks (stage ≥ 1); stage is ${stage} of ${this.taskList.length} tasks.`,
      );
    }
  }
}

function checkAccuracy(value: number, what: string): number {
  if (typeof value !== 'number') {
    throw new MonitoringError('INVALID_ARGUMENT', `${what} is ${describeValue(value)}; pass a number.`);
  }
  return value;
}
