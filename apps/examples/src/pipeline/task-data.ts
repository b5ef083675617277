import * as tf from '@tensorflow/tfjs-core';
import type { BenchmarkTask } from '@holomind/data';
import type { ProgressiveNetwork, TaskData } from '@holomind/network';
import { columnFor } from './build-model.js';
import type { StrategyPlan } from './strategy.js';

/** Tensors of one split of one task; disposed by the caller. */
export function taskTensors(task: BenchmarkTask, split: 'train' | 'test', columnId: string): TaskData {
  const data = task[split];
  const examples = data.labels.length;
  return {
    taskId: columnId,
    inputs: tf.tensor2d(data.features, [examples, data.features.length / examples]),
    labels: tf.tensor1d(data.labels, 'int32'),
  };
}

/** Test accuracy of task `taskIndex` on its column. */
export async function evaluateTask(
  network: ProgressiveNetwork,
  plan: StrategyPlan,
  task: BenchmarkTask,
  taskIndex: number,
): Promise<number> {
  const test = taskTensors(task, 'test', columnFor(plan, taskIndex));
  try {
    return (await network.evaluate(test)).accuracy;
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
): Promise<number[]> {
  const row: number[] = [];
  for (let j = 0; j <= upTo; j++) row.push(await evaluateTask(network, plan, tasks[j]!, j));
  return row;
}
