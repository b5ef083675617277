import * as tf from '@tensorflow/tfjs-core';
import type { BenchmarkTask } from '@holomind/data';
import type { EpisodeSample } from '@holomind/memory';
import type { ProgressiveNetwork } from '@holomind/network';

// Rows per forward pass when a whole task's split goes through the network.
const CHUNK = 1024;

/** Runs `compute` over `inputs` [N, F] in chunks and returns the rows of its [n, width] outputs concatenated. */
export function mapInChunks(
  inputs: Float32Array,
  rows: number,
  compute: (chunk: tf.Tensor2D, start: number) => tf.Tensor2D | tf.Tensor1D,
): { values: Float32Array; width: number } {
  const features = inputs.length / rows;
  const parts: Float32Array[] = [];
  let width = 1;
  for (let start = 0; start < rows; start += CHUNK) {
    const count = Math.min(CHUNK, rows - start);
    const values = tf.tidy(() => {
      const output = compute(
        tf.tensor2d(inputs.subarray(start * features, (start + count) * features), [count, features]),
        start,
      );
      width = output.rank === 2 ? output.shape[1]! : 1;
      return output.dataSync() as Float32Array;
    });
    parts.push(Float32Array.from(values));
  }
  const values = new Float32Array(rows * width);
  let offset = 0;
  for (const part of parts) {
    values.set(part, offset);
    offset += part.length;
  }
  return { values, width };
}

/** The source class of each example of a task's split: episodic memories balance over source classes. */
export function sourceClasses(task: BenchmarkTask, labels: Int32Array): Int32Array {
  const classOf = new Map(task.targetLabels.map((label, index) => [label, task.classes[index]!]));
  return labels.map((label) => classOf.get(label)!);
}

/** Target labels (what the task's column is trained on) of stored examples, from their task and source class. */
export function targetLabels(tasks: readonly BenchmarkTask[], sample: EpisodeSample): Int32Array {
  return sample.labels.map((sourceClass, row) => {
    const task = tasks[sample.tasks[row]!]!;
    return task.targetLabels[task.classes.indexOf(sourceClass)]!;
  });
}

/** Rows of a sample grouped by the network column of their task. */
export function rowsByColumn(sample: EpisodeSample, columnOf: (taskIndex: number) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  sample.tasks.forEach((task, row) => {
    const column = columnOf(task);
    groups.set(column, [...(groups.get(column) ?? []), row]);
  });
  return groups;
}

/** Logits of `network`'s column on the given rows of a sample. */
export function logitsOnRows(
  network: ProgressiveNetwork,
  sample: EpisodeSample,
  rows: number[],
  column: string,
  inputSize: number,
): tf.Tensor2D {
  const inputs = new Float32Array(rows.length * inputSize);
  rows.forEach((row, index) => inputs.set(sample.inputs.subarray(row * inputSize, (row + 1) * inputSize), index * inputSize));
  return tf.tidy(() => network.forward(tf.tensor2d(inputs, [rows.length, inputSize]), column));
}
