import * as tf from '@tensorflow/tfjs-core';
import { inferTasks, type EpisodicMemory } from '@holomind/memory';
import type { ProgressiveNetwork } from '@holomind/network';
import type { StrategyPart, StrategyState, TaskContext } from './continual-strategy.js';
import { memoryFromState, memoryMetrics, memoryToState, writeTaskExamples } from './memory-examples.js';

/**
 * Picks the column when the test gives no task identity (domain-incremental with a column per
 * task): each task's training examples are written to an episodic memory as the task starts, and an
 * input is classified by the column of the task it most resembles, read from the stored examples by
 * attention ({@link inferTasks}). Like Expert Gate (Aljundi et al. 2017), with stored examples
 * instead of one autoencoder per task. Adds no loss: the columns it chooses between are frozen.
 */
export class TaskInferencePart implements StrategyPart {
  readonly name = 'task-inference';
  // Rows classified since the last task ended, and how many went to their true task's column (the
  // pipeline passes it): the inference accuracy of the latest accuracy-matrix row.
  private classified = 0;
  private inferredRight = 0;

  constructor(
    readonly memory: EpisodicMemory,
    /** The network column of each task. */
    private readonly columnOf: (taskIndex: number) => string,
  ) {}

  /** Restores a part from {@link toState}. */
  static fromState(state: StrategyState, columnOf: (taskIndex: number) => string): TaskInferencePart {
    return new TaskInferencePart(memoryFromState(state), columnOf);
  }

  // Written before the task trains (the gate needs inputs only, no trained outputs), so that
  // classifying during training (the live monitor's current-task accuracy) can find the task too.
  async beforeTask(context: TaskContext): Promise<void> {
    await writeTaskExamples(this.memory, context);
  }

  afterTask(): string {
    [this.classified, this.inferredRight] = [0, 0];
    const stats = this.memory.stats();
    return `Task inference memory: ${stats.size}/${stats.budget} digits, per task ${Object.values(stats.perTask).join(' ')}`;
  }

  /** Each row's class from the column of its inferred task; `column` (the true task's) only counts the right inferences. */
  async classify(network: ProgressiveNetwork, inputs: tf.Tensor, column: string): Promise<tf.Tensor1D | undefined> {
    if (this.memory.size === 0) return undefined;
    const rows = inputs.shape[0]!;
    const flat = tf.reshape(inputs, [rows, -1]) as tf.Tensor2D;
    const inferred = inferTasks(this.memory, flat);
    const taskOfRow = await inferred.data();
    inferred.dispose();
    const predicted = new Int32Array(rows);
    const rowsOfTask = new Map<number, number[]>();
    taskOfRow.forEach((task, row) => {
      const taskRows = rowsOfTask.get(task);
      if (taskRows) taskRows.push(row);
      else rowsOfTask.set(task, [row]);
    });
    for (const [task, taskRows] of rowsOfTask) {
      if (this.columnOf(task) === column) this.inferredRight += taskRows.length;
      const classesOfRows = tf.tidy(() => {
        const indices = tf.tensor1d(taskRows, 'int32');
        return tf.argMax(network.forward(tf.gather(inputs, indices), this.columnOf(task)), 1);
      });
      const classes = await classesOfRows.data();
      classesOfRows.dispose();
      taskRows.forEach((row, at) => (predicted[row] = classes[at]!));
    }
    flat.dispose();
    this.classified += rows;
    return tf.tensor1d(predicted, 'int32');
  }

  metrics(): Record<string, number> {
    const metrics = memoryMetrics(this.memory);
    if (this.classified > 0) metrics.inferred_task_accuracy = this.inferredRight / this.classified;
    return metrics;
  }

  classCounts(): readonly number[] {
    return this.memory.stats().perClass;
  }

  toState(): StrategyState {
    return memoryToState(this.memory);
  }

  dispose(): void {}
}
