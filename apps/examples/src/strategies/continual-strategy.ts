import type * as tf from '@tensorflow/tfjs-core';
import type { BenchmarkTask } from '@holomind/data';
import type { ProgressiveNetwork, RegularizerBatch, TaskData } from '@holomind/network';

/** What every hook of a strategy sees about the task in hand. */
export interface TaskContext {
  network: ProgressiveNetwork;
  /** Every task of the run, in order (typed arrays): class ↔ label maps, earlier tasks' data. */
  tasks: readonly BenchmarkTask[];
  taskIndex: number;
  /** The network column each task trains and is evaluated in (one per task, or one shared). */
  columnOf(taskIndex: number): string;
  /** The task's training split as tensors (owned by the pipeline). */
  train: TaskData;
  /** Seed of this task's random choices (memory writes), derived from the run's seed. */
  seed: number;
}

/** Checkpoint form of a strategy: JSON values plus named typed arrays. */
export interface StrategyState {
  values: Record<string, unknown>;
  arrays: Record<string, Float32Array | Int32Array | Float64Array>;
}

/**
 * One ingredient of a continual-learning method, hooked into the pipeline's task loop: an extra
 * loss per training batch, work before and after each task, and optionally its own classifier.
 * Methods are compositions of these parts (`holomind` = EWC + replay + the attention memory).
 */
export interface StrategyPart {
  readonly name: string;
  /** Before a task's first epoch (e.g. LwF keeps a frozen copy of the network as teacher). */
  beforeTask?(context: TaskContext): void | Promise<void>;
  /** The extra loss of each training micro-batch, or undefined when the part adds none on this task. */
  loss?(context: TaskContext): ((batch: RegularizerBatch) => tf.Scalar) | undefined;
  /** After a task's last epoch (write the episodic memory, consolidate EWC); may return a line for the log. */
  afterTask?(context: TaskContext): void | string | Promise<void | string>;
  /** Class predictions [N] that replace the output layer's argmax (iCaRL's nearest mean), or undefined to keep it. */
  classify?(
    network: ProgressiveNetwork,
    inputs: tf.Tensor,
    column: string,
  ): Promise<tf.Tensor1D | undefined> | tf.Tensor1D | undefined;
  /** Numbers worth a curve (an episodic memory's fill, evictions, replay hits), logged after each task. */
  metrics?(): Record<string, number>;
  /** Stored examples per class (index = class), for a part that keeps an episodic memory; sampled during training. */
  classCounts?(): readonly number[];
  toState(): StrategyState;
  dispose(): void;
}
