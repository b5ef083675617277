import * as tf from '@tensorflow/tfjs-core';
import type { BenchmarkTask } from '@holomind/data';
import { SeededRandom } from '@holomind/core';
import { EpisodicMemory, type EpisodeSample, type EpisodicMemoryState } from '@holomind/memory';
import type { StrategyState, TaskContext } from './continual-strategy.js';

// Rows per forward pass when a whole task's split goes through the network.
const CHUNK = 1024;

/**
 * Runs `compute` over `inputs` [N, F] in chunks and returns the rows of its [n, width] outputs
 * concatenated. Reads them back asynchronously: WebGPU in Node has no synchronous read.
 */
export async function mapInChunks(
  inputs: Float32Array,
  rows: number,
  compute: (chunk: tf.Tensor2D, start: number) => tf.Tensor2D | tf.Tensor1D,
): Promise<{ values: Float32Array; width: number }> {
  const features = inputs.length / rows;
  const parts: Float32Array[] = [];
  let width = 1;
  for (let start = 0; start < rows; start += CHUNK) {
    const count = Math.min(CHUNK, rows - start);
    const output = tf.tidy(() =>
      compute(tf.tensor2d(inputs.subarray(start * features, (start + count) * features), [count, features]), start),
    );
    width = output.rank === 2 ? output.shape[1]! : 1;
    try {
      parts.push(Float32Array.from((await output.data()) as Float32Array));
    } finally {
      output.dispose();
    }
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

/** The memory slots of the given rows of each draw, concatenated in draw order. */
export function slotsOfRows(draws: readonly EpisodeSample[], rowsPerDraw: readonly number[][]): Int32Array {
  const slots = new Int32Array(rowsPerDraw.reduce((sum, rows) => sum + rows.length, 0));
  let offset = 0;
  rowsPerDraw.forEach((rows, index) => {
    for (const row of rows) slots[offset++] = draws[index]!.slots[row]!;
  });
  return slots;
}

/**
 * Offers the task's training examples to the memory, with the model's logits, features or losses
 * when the memory or its write policy needs them (then call it after the task has trained; a memory
 * of inputs only can be written before); returns a log line.
 */
export async function writeTaskExamples(memory: EpisodicMemory, context: TaskContext): Promise<string> {
  const task = context.tasks[context.taskIndex]!;
  const { network } = context;
  const column = context.columnOf(context.taskIndex);
  const examples = task.train.labels.length;
  // A seeded order: the reservoir keeps a uniform sample whatever the order, but class-balanced
  // quotas fill in arrival order.
  const order = new SeededRandom(context.seed).permutation(examples);
  const featureSize = task.train.features.length / examples;
  const labels = Int32Array.from(order, (source) => task.train.labels[source]!);
  const batch = { labels: sourceClasses(task, labels), task: context.taskIndex };
  const { policy, logitSize } = memory.options;
  // A reservoir or class-balanced memory chooses the rows it keeps by label and seeded draws alone
  // (rowsToStore): only those (at most its budget; a Split MNIST task has ~12,000) are copied into
  // the batch and go through the network. The other rows stay zeros, which the write never reads.
  // The importance and herding policies read every row.
  const kept = policy === 'reservoir' || policy === 'class-balanced' ? memory.rowsToStore(batch) : undefined;
  const inputs = new Float32Array(examples * featureSize);
  for (const row of kept ?? order.keys()) {
    const source = order[row]!;
    inputs.set(task.train.features.subarray(source * featureSize, (source + 1) * featureSize), row * featureSize);
  }
  const forward = (chunk: tf.Tensor2D) => network.forward(chunk, column);
  const logits =
    logitSize === 0
      ? undefined
      : kept
        ? scatterRows(await mapInChunks(rowsOf(inputs, featureSize, kept), kept.length, forward), kept, examples, logitSize)
        : padRows(await mapInChunks(inputs, examples, forward), logitSize);
  const features =
    policy === 'herding' ? await mapInChunks(inputs, examples, (chunk) => network.features(chunk, column)) : undefined;
  const importance =
    policy === 'importance'
      ? (
          await mapInChunks(inputs, examples, (chunk, start) =>
            perExampleLoss(network.forward(chunk, column), labels.subarray(start, start + chunk.shape[0])),
          )
        ).values
      : undefined;
  const result = memory.write({
    ...batch,
    inputs,
    ...(logits ? { logits } : {}),
    ...(features ? { features: features.values, featureSize: features.width } : {}),
    ...(importance ? { importance } : {}),
  });
  const stats = memory.stats();
  return `Episodic memory (${policy}): stored ${result.stored} of ${result.offered}, evicted ${result.evicted}; ${stats.size}/${stats.budget} held, per class ${stats.perClass.join(' ')}`;
}

// The given rows of a row-major [n, width] array, in that order.
function rowsOf(values: Float32Array, width: number, rows: Int32Array): Float32Array {
  const picked = new Float32Array(rows.length * width);
  rows.forEach((row, index) => picked.set(values.subarray(row * width, (row + 1) * width), index * width));
  return picked;
}

// Computed rows (one per kept row, zero-padded to `width`) placed at their rows of an [n, width]
// array of zeros.
function scatterRows(
  computed: { values: Float32Array; width: number },
  rows: Int32Array,
  n: number,
  width: number,
): Float32Array {
  const padded = padRows(computed, width);
  const out = new Float32Array(n * width);
  rows.forEach((row, index) => out.set(padded.subarray(index * width, (index + 1) * width), row * width));
  return out;
}

// Rows narrower than the memory's logit rows (a head of 2 in task-IL) are zero-padded.
function padRows(computed: { values: Float32Array; width: number }, width: number): Float32Array {
  if (computed.width === width) return computed.values;
  const rows = computed.values.length / computed.width;
  const padded = new Float32Array(rows * width);
  for (let row = 0; row < rows; row++) {
    padded.set(computed.values.subarray(row * computed.width, (row + 1) * computed.width), row * width);
  }
  return padded;
}

// Cross-entropy of each row given its label [n], for importance-based writes.
function perExampleLoss(logits: tf.Tensor2D, labels: Int32Array): tf.Tensor1D {
  return tf.tidy(() => {
    const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
  });
}

/** A strategy part's checkpoint form of its episodic memory. */
export function memoryToState(memory: EpisodicMemory): StrategyState {
  const { arrays, ...rest } = memory.toState();
  return { values: { memory: rest }, arrays };
}

/** The episodic memory of a part's {@link memoryToState} form. */
export function memoryFromState(state: StrategyState): EpisodicMemory {
  return EpisodicMemory.fromState({ ...(state.values.memory as object), arrays: state.arrays } as unknown as EpisodicMemoryState);
}

/** An episodic memory's numbers worth a curve: fill, stored examples, evictions, replay hits, classes held. */
export function memoryMetrics(memory: EpisodicMemory): Record<string, number> {
  const stats = memory.stats();
  return {
    fill: stats.fill,
    stored: stats.size,
    evictions: stats.evictions,
    replay_hits: stats.replayHits,
    classes: stats.perClass.filter((count) => count > 0).length,
  };
}
