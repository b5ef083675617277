import * as tf from '@tensorflow/tfjs-core';
import type { BenchmarkTask } from '@holomind/data';
import type { EpisodeSample } from '@holomind/memory';

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

/**
 * Rows of several draws grouped by the network column of their task: per column (in order of first
 * appearance), the rows of each draw that belong to it (one list per draw, possibly empty).
 */
export function drawsByColumn(draws: readonly EpisodeSample[], columnOf: (taskIndex: number) => string): Map<string, number[][]> {
  const groups = new Map<string, number[][]>();
  draws.forEach((draw, index) => {
    draw.tasks.forEach((task, row) => {
      const column = columnOf(task);
      let perDraw = groups.get(column);
      if (!perDraw) {
        perDraw = draws.map(() => []);
        groups.set(column, perDraw);
      }
      perDraw[index]!.push(row);
    });
  });
  return groups;
}

/** Inputs [Σ rows, inputSize] of the given rows of each draw, concatenated in draw order. */
export function inputsOfRows(draws: readonly EpisodeSample[], rowsPerDraw: readonly number[][], inputSize: number): Float32Array {
  const inputs = new Float32Array(rowsPerDraw.reduce((sum, rows) => sum + rows.length, 0) * inputSize);
  let offset = 0;
  rowsPerDraw.forEach((rows, index) => {
    const source = draws[index]!.inputs;
    if (rows.length === draws[index]!.tasks.length) {
      // Every row of the draw, in order (one column, as in class-IL): one copy.
      inputs.set(source, offset);
    } else {
      rows.forEach((row, position) =>
        inputs.set(source.subarray(row * inputSize, (row + 1) * inputSize), offset + position * inputSize),
      );
    }
    offset += rows.length * inputSize;
  });
  return inputs;
}
