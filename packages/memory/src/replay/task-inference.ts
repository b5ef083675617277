import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from '@holomind/core';
import type { EpisodicMemory } from '../episodic/index.js';
import { MemoryError } from '../errors.js';
import { normaliseRows } from './nearest-mean-classifier.js';

/** Options of {@link inferTasks}. */
export interface TaskInferenceOptions {
  /**
   * Softmax temperature over cosine similarities (default 0.05): small values approach the nearest
   * stored example's task, large ones a vote of every stored example.
   */
  temperature?: number;
}

/**
 * The task each input most resembles, read from an episodic memory by attention: cosine similarity
 * of the input with every stored example, softmax at `temperature`, the attention mass summed per
 * stored task, and the task with the most mass. It lets a model with one column per task pick the
 * column when the task is not given at test time (domain-incremental), when the tasks' inputs can
 * be told apart: permutations can (every test digit of 10 permuted MNIST tasks found its task from
 * 500 stored digits); rotations or digit pairs cannot reliably.
 *
 * @param inputs - [n, inputSize], the memory's input layout.
 * @returns [n] int32 task indices (those stored in the memory).
 */
export function inferTasks(memory: EpisodicMemory, inputs: tf.Tensor2D, options: TaskInferenceOptions = {}): tf.Tensor1D {
  const temperature = options.temperature ?? 0.05;
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new MemoryError(
      'INVALID_OPTION',
      `inferTasks: temperature must be a positive finite number, got ${describeValue(options.temperature)}; use e.g. 0.05.`,
    );
  }
  const { inputSize } = memory.options;
  if (inputs.rank !== 2 || inputs.shape[1] !== inputSize) {
    throw new MemoryError(
      'QUERY_SHAPE_MISMATCH',
      `inferTasks: inputs must be [n, ${inputSize}] (the memory's inputSize), got [${inputs.shape.join(', ')}]; ` +
        'pass inputs in the layout the memory stores.',
    );
  }
  if (memory.size === 0) {
    throw new MemoryError(
      'EMPTY_MEMORY',
      "inferTasks: the episodic memory holds no example yet, so there is no task to infer; write a task's examples first.",
    );
  }
  const stored = memory.contents();
  const taskIds = [...new Set(stored.tasks)].sort((a, b) => a - b);
  // One task stored: nothing to choose (and tf.oneHot needs a depth of 2 or more).
  if (taskIds.length === 1) return tf.fill([inputs.shape[0]], taskIds[0]!, 'int32') as tf.Tensor1D;
  const columnOf = new Map(taskIds.map((task, column) => [task, column]));
  return tf.tidy(() => {
    const keys = normaliseRows(tf.tensor2d(stored.inputs, [stored.tasks.length, inputSize]));
    // An explicit transpose and a plain product: wasm's matMul with a transposed operand is several times slower.
    const similarity = tf.matMul(normaliseRows(inputs), tf.transpose(keys)); // [n, stored]
    const attention = tf.softmax(tf.div(similarity, temperature)); // [n, stored]
    const taskOfStored = tf.oneHot(
      tf.tensor1d(
        Array.from(stored.tasks, (task) => columnOf.get(task)!),
        'int32',
      ),
      taskIds.length,
    ); // [stored, tasks]
    const mass = tf.matMul(attention, tf.cast(taskOfStored, 'float32')); // [n, tasks]
    return tf.gather(tf.tensor1d(taskIds, 'int32'), tf.argMax(mass, 1)) as tf.Tensor1D;
  });
}
