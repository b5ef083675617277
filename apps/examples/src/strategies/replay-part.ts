import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '@holomind/core';
import { crossEntropyOfLabels, EpisodicMemory, type EpisodeSample, type EpisodicMemoryState } from '@holomind/memory';
import type { StrategyPart, StrategyState, TaskContext } from './continual-strategy.js';
import { logitsOnRows, mapInChunks, rowsByColumn, sourceClasses, targetLabels } from './memory-examples.js';

/** Which replay loss a {@link ReplayPart} adds. */
export interface ReplayOptions {
  /** `er`: cross-entropy on stored examples; `derpp`: DER++'s logit matching plus cross-entropy. */
  kind: 'er' | 'derpp';
  /** Stored examples per draw (capped by what the memory holds). */
  replayBatch: number;
  /** DER++'s weight of the logit-matching term. */
  alpha: number;
  /** DER++'s weight of the replayed labels' cross-entropy. */
  beta: number;
}

/**
 * Experience replay from an episodic memory: after each task its training examples are offered to
 * the memory (with the trained model's logits, features or losses when the write policy needs them),
 * and every later training step adds a loss on a seeded draw of stored examples, each evaluated in
 * its own task's column. ER (Chaudhry et al. 2019) or DER++ (Buzzega et al. 2020).
 */
export class ReplayPart implements StrategyPart {
  readonly name = 'replay';

  constructor(
    readonly memory: EpisodicMemory,
    readonly options: ReplayOptions,
  ) {}

  /** Restores a part from {@link toState}. */
  static fromState(state: StrategyState, options: ReplayOptions): ReplayPart {
    const memoryState = { ...(state.values.memory as object), arrays: state.arrays } as unknown as EpisodicMemoryState;
    return new ReplayPart(EpisodicMemory.fromState(memoryState), options);
  }

  loss(context: TaskContext) {
    if (this.memory.size === 0) return undefined;
    const { kind, alpha, beta } = this.options;
    return () => {
      const count = Math.min(this.options.replayBatch, this.memory.size);
      const first = this.memory.sample(count);
      if (kind === 'er') return this.labelLoss(context, first);
      const second = this.memory.sample(count);
      return tf.add(tf.mul(alpha, this.logitLoss(context, first)), tf.mul(beta, this.labelLoss(context, second))) as tf.Scalar;
    };
  }

  afterTask(context: TaskContext): string {
    const task = context.tasks[context.taskIndex]!;
    const { network } = context;
    const column = context.columnOf(context.taskIndex);
    const examples = task.train.labels.length;
    // A seeded order: the reservoir keeps a uniform sample whatever the order, but class-balanced
    // quotas fill in arrival order.
    const order = new SeededRandom(context.seed).permutation(examples);
    const featureSize = task.train.features.length / examples;
    const inputs = new Float32Array(examples * featureSize);
    const labels = new Int32Array(examples);
    order.forEach((source, row) => {
      inputs.set(task.train.features.subarray(source * featureSize, (source + 1) * featureSize), row * featureSize);
      labels[row] = task.train.labels[source]!;
    });
    const { policy, logitSize } = this.memory.options;
    const logits =
      logitSize > 0 ? this.padLogits(mapInChunks(inputs, examples, (chunk) => network.forward(chunk, column))) : undefined;
    const features = policy === 'herding' ? mapInChunks(inputs, examples, (chunk) => network.features(chunk, column)) : undefined;
    const importance =
      policy === 'importance'
        ? mapInChunks(inputs, examples, (chunk, start) =>
            perExampleLoss(network.forward(chunk, column), labels.subarray(start, start + chunk.shape[0])),
          ).values
        : undefined;
    const result = this.memory.write({
      inputs,
      labels: sourceClasses(task, labels),
      task: context.taskIndex,
      ...(logits ? { logits } : {}),
      ...(features ? { features: features.values, featureSize: features.width } : {}),
      ...(importance ? { importance } : {}),
    });
    const stats = this.memory.stats();
    return `Episodic memory (${policy}): stored ${result.stored} of ${result.offered}, evicted ${result.evicted}; ${stats.size}/${stats.budget} held, per class ${stats.perClass.join(' ')}`;
  }

  metrics(): Record<string, number> {
    const stats = this.memory.stats();
    return {
      fill: stats.fill,
      stored: stats.size,
      evictions: stats.evictions,
      replay_hits: stats.replayHits,
      classes: stats.perClass.filter((count) => count > 0).length,
    };
  }

  classCounts(): readonly number[] {
    return this.memory.stats().perClass;
  }

  toState(): StrategyState {
    const { arrays, ...rest } = this.memory.toState();
    return { values: { memory: rest }, arrays };
  }

  dispose(): void {}

  // Cross-entropy of stored examples' labels, each in its own task's column, weighted by rows.
  private labelLoss(context: TaskContext, sample: EpisodeSample): tf.Scalar {
    const labels = targetLabels(context.tasks, sample);
    return this.byColumn(context, sample, (logits, rows) =>
      crossEntropyOfLabels(
        logits,
        tf.tensor1d(
          rows.map((row) => labels[row]!),
          'int32',
        ),
      ),
    );
  }

  // Mean squared difference between the column's logits now and the logits stored at write time.
  private logitLoss(context: TaskContext, sample: EpisodeSample): tf.Scalar {
    const { logitSize } = this.memory.options;
    return this.byColumn(context, sample, (logits, rows) => {
      const width = logits.shape[1];
      const stored = new Float32Array(rows.length * width);
      rows.forEach((row, index) => stored.set(sample.logits.subarray(row * logitSize, row * logitSize + width), index * width));
      return tf.mean(tf.squaredDifference(logits, tf.tensor2d(stored, [rows.length, width])));
    });
  }

  private byColumn(
    context: TaskContext,
    sample: EpisodeSample,
    term: (logits: tf.Tensor2D, rows: number[]) => tf.Scalar,
  ): tf.Scalar {
    const { inputSize } = this.memory.options;
    const groups = [...rowsByColumn(sample, context.columnOf)];
    return groups
      .map(([column, rows]) => {
        const logits = logitsOnRows(context.network, sample, rows, column, inputSize);
        return tf.mul(term(logits, rows), rows.length / sample.labels.length) as tf.Scalar;
      })
      .reduce((sum, value) => tf.add(sum, value) as tf.Scalar);
  }

  // Columns narrower than the memory's logit rows (a head of 2 in task-IL) are zero-padded.
  private padLogits(computed: { values: Float32Array; width: number }): Float32Array {
    const { logitSize } = this.memory.options;
    if (computed.width === logitSize) return computed.values;
    const rows = computed.values.length / computed.width;
    const padded = new Float32Array(rows * logitSize);
    for (let row = 0; row < rows; row++) {
      padded.set(computed.values.subarray(row * computed.width, (row + 1) * computed.width), row * logitSize);
    }
    return padded;
  }
}

// Cross-entropy of each row given its label [n], for importance-based writes.
function perExampleLoss(logits: tf.Tensor2D, labels: Int32Array): tf.Tensor1D {
  return tf.tidy(() => {
    const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
  });
}
