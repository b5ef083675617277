import * as tf from '@tensorflow/tfjs-core';
import type { BenchmarkTask } from '@holomind/data';
import type { ProgressiveNetwork, TaskData } from '@holomind/network';
import { columnFor } from './build-model.js';
import type { StrategyPlan } from './strategy.js';

/** Tensors of one split of one task; disposed by the caller. */
export function taskTensors(task: BenchmarkTask, split: 'train' | 'val' | 'test', columnId: string): TaskData {
  const data = task[split];
  const examples = data.labels.length;
  return {
    taskId: columnId,
    inputs: tf.tensor2d(data.features, [examples, data.features.length / examples]),
    labels: tf.tensor1d(data.labels, 'int32'),
  };
}

/**
 * How a run turns inputs into class predictions [N] in a column: the strategy's classifier.
 * Asynchronous: a classifier may read values back (task inference), and WebGPU in Node cannot
 * read synchronously.
 */
export type Classify = (network: ProgressiveNetwork, inputs: tf.Tensor, column: string) => Promise<tf.Tensor1D>;

/** The output layer's argmax: every strategy's classifier but iCaRL's. */
export const argmaxClassify: Classify = async (network, inputs, column) =>
  tf.tidy(() => tf.argMax(network.forward(inputs, column), 1) as tf.Tensor1D);

/** Test accuracy of task `taskIndex` on its column, with the strategy's classifier. */
export async function evaluateTask(
  network: ProgressiveNetwork,
  plan: StrategyPlan,
  task: BenchmarkTask,
  taskIndex: number,
  classify: Classify = argmaxClassify,
  split: 'test' | 'val' = 'test',
): Promise<number> {
  const test = taskTensors(task, split, columnFor(plan, taskIndex));
  try {
    const predicted = await classify(network, test.inputs, test.taskId);
    const correct = tf.tidy(() => tf.sum(tf.cast(tf.equal(predicted, test.labels), 'float32')));
    predicted.dispose();
    const [count] = await correct.data();
    correct.dispose();
    return count! / task[split].labels.length;
  } finally {
    tf.dispose([test.inputs, test.labels]);
  }
}

/** One accuracy-matrix row: test accuracy on tasks 0..upTo. */
export async function evaluateSeenTasks(
  network: ProgressiveNetwork,
  plan: StrategyPlan,
  tasks: readonly BenchmarkTask[],
  upTo: number,
  classify: Classify = argmaxClassify,
  split: 'test' | 'val' = 'test',
): Promise<number[]> {
  const row: number[] = [];
  for (let j = 0; j <= upTo; j++) row.push(await evaluateTask(network, plan, tasks[j]!, j, classify, split));
  return row;
}
