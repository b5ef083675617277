import type * as tf from '@tensorflow/tfjs-core';
import { resolveTrainingData, TensorKernelsError, type DatasetLike } from '@holomind/tensor-kernels';
import { NetworkError } from './errors.js';
import type { TaskData } from './training-options.js';

/**
 * One task's examples in any form TensorFlow.js users hold them: {@link TaskData}'s
 * `{ taskId, inputs, labels }`, `{ taskId, xs, ys }` (as `model.fit` names them) or
 * `{ taskId, dataset }`, a `tf.data.Dataset` of `{ xs, ys }`, `{ inputs, labels }` or `[xs, ys]`
 * batches (read to the end and joined; the joined copy is freed when the call returns). Given
 * tensors stay the caller's to dispose.
 */
export type TaskTrainingData =
  | TaskData
  | { taskId: string; xs: tf.Tensor; ys: tf.Tensor }
  | { taskId: string; dataset: DatasetLike };

/** {@link resolveTaskData}'s result: the data as {@link TaskData}, and how to free what the conversion made. */
export interface ResolvedTaskData {
  data: TaskData;
  dispose(): void;
}

/**
 * `{ taskId, xs, ys }` and `{ taskId, dataset }` become {@link TaskData} through
 * `resolveTrainingData` of `@holomind/tensor-kernels` (the one converter); `{ taskId, inputs, labels }`
 * and anything else pass through unchanged, so the network's own checks name what is wrong (internal).
 */
export async function resolveTaskData(data: TaskTrainingData): Promise<ResolvedTaskData> {
  if (typeof data !== 'object' || data === null || 'inputs' in data || !('xs' in data || 'dataset' in data)) {
    return { data: data as TaskData, dispose: () => undefined };
  }
  let resolved;
  try {
    resolved = 'dataset' in data ? await resolveTrainingData(data.dataset, 'data.dataset') : await resolveTrainingData(data);
  } catch (error) {
    if (!TensorKernelsError.isInstance(error)) throw error;
    throw new NetworkError('INVALID_OPTION', error.message, { cause: error });
  }
  return { data: { taskId: data.taskId, inputs: resolved.inputs, labels: resolved.labels }, dispose: resolved.dispose };
}
