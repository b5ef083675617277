import * as tf from '@tensorflow/tfjs-core';
import { addMany } from '@holomind/tensor-kernels';
import type { EpisodeSample, EpisodicMemory } from '@holomind/memory';
import type { StrategyPart, StrategyState, TaskContext } from './continual-strategy.js';
import {
  drawsByColumn,
  slotsOfRows,
  memoryFromState,
  memoryMetrics,
  memoryToState,
  targetLabels,
  writeTaskExamples,
} from './memory-examples.js';

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

/** One replay draw and the loss it adds: `labels` (cross-entropy) or `logits` (DER++'s matching), times `weight`. */
interface ReplayTerm {
  sample: EpisodeSample;
  kind: 'labels' | 'logits';
  weight: number;
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
    return new ReplayPart(memoryFromState(state), options);
  }

  loss(context: TaskContext) {
    if (this.memory.size === 0) return undefined;
    const { kind, alpha, beta } = this.options;
    return () => {
      const count = Math.min(this.options.replayBatch, this.memory.size);
      // The draws' inputs go to the network as tensors taken straight from the memory (inputsOf).
      const first = this.memory.sample(count, { inputs: false });
      if (kind === 'er') return this.replayLoss(context, [{ sample: first, kind: 'labels', weight: 1 }]);
      const second = this.memory.sample(count, { inputs: false });
      return this.replayLoss(context, [
        { sample: first, kind: 'logits', weight: alpha },
        { sample: second, kind: 'labels', weight: beta },
      ]);
    };
  }

  afterTask(context: TaskContext): Promise<string> {
    return writeTaskExamples(this.memory, context);
  }

  metrics(): Record<string, number> {
    return memoryMetrics(this.memory);
  }

  classCounts(): readonly number[] {
    return this.memory.stats().perClass;
  }

  toState(): StrategyState {
    return memoryToState(this.memory);
  }

  dispose(): void {}

  /**
   * Σ_terms weight · (the term's loss over its draw), each stored example evaluated in its own
   * task's column. The draws go through the network together: one forward pass per column over
   * every draw's rows of that column, whose logits are then split by draw. Per draw of n rows, with
   * n_g of them in column g of width w_g: cross-entropy Σ_g n_g/n · mean_g(CE), logit matching
   * Σ_g n_g/n · mean_g((z − z_stored)²) over n_g·w_g entries.
   */
  private replayLoss(context: TaskContext, terms: readonly ReplayTerm[]): tf.Scalar {
    const { logitSize } = this.memory.options;
    const draws = terms.map(({ sample }) => sample);
    const labelsOf = terms.map(({ sample, kind }) => (kind === 'labels' ? targetLabels(context.tasks, sample) : undefined));
    const parts: tf.Scalar[] = [];
    for (const [column, rowsPerDraw] of drawsByColumn(draws, context.columnOf)) {
      const inputs = this.memory.inputsOf(slotsOfRows(draws, rowsPerDraw));
      const logits = context.network.forward(inputs, column);
      inputs.dispose();
      const width = logits.shape[1];
      const present = rowsPerDraw.map((rows, index) => ({ rows, index })).filter(({ rows }) => rows.length > 0);
      const pieces =
        present.length === 1
          ? [logits]
          : tf.split(
              logits,
              present.map(({ rows }) => rows.length),
            );
      present.forEach(({ rows, index }, position) => {
        const { sample, kind, weight } = terms[index]!;
        const drawn = sample.tasks.length;
        const piece = pieces[position]!;
        if (kind === 'labels') {
          // mean over the draw of −Σ_c y_c log softmax(z)_c, y one-hot of the stored labels
          const targets = new Float32Array(rows.length * width);
          rows.forEach((row, at) => (targets[at * width + labelsOf[index]![row]!] = 1));
          const product = tf.mul(tf.tensor2d(targets, [rows.length, width]), tf.logSoftmax(piece));
          parts.push(tf.mul(tf.sum(product), -weight / drawn) as tf.Scalar);
        } else {
          const stored = new Float32Array(rows.length * width);
          rows.forEach((row, at) => stored.set(sample.logits.subarray(row * logitSize, row * logitSize + width), at * width));
          const difference = tf.squaredDifference(piece, tf.tensor2d(stored, [rows.length, width]));
          parts.push(tf.mul(tf.sum(difference), weight / (drawn * width)) as tf.Scalar);
        }
      });
    }
    return parts.length === 1 ? parts[0]! : addMany(parts); // addMany: WebGPU's addN fails past 7 inputs
  }
}
