import * as tf from '@tensorflow/tfjs-core';
import type { ProgressiveNetwork, RegularizerBatch } from '@holomind/network';
import type { StrategyPart, StrategyState, TaskContext } from './continual-strategy.js';

/** Several parts acting as one: losses add up, hooks run in order, the first classifier wins. */
export class ComposedStrategy {
  constructor(readonly parts: readonly StrategyPart[]) {}

  async beforeTask(context: TaskContext): Promise<void> {
    for (const part of this.parts) await part.beforeTask?.(context);
  }

  /** The summed extra loss of every part, or undefined when none adds one. */
  loss(context: TaskContext): ((batch: RegularizerBatch) => tf.Scalar) | undefined {
    const losses = this.parts.flatMap((part) => part.loss?.(context) ?? []);
    if (losses.length === 0) return undefined;
    return (batch) => losses.map((loss) => loss(batch)).reduce((sum, term) => tf.add(sum, term) as tf.Scalar);
  }

  /** Runs every part's after-task work; returns their log lines. */
  async afterTask(context: TaskContext): Promise<string[]> {
    const lines: string[] = [];
    for (const part of this.parts) {
      const line = await part.afterTask?.(context);
      if (line) lines.push(line);
    }
    return lines;
  }

  /** Predicted classes [N]: a part's own classifier when it has one, else the output layer's argmax. */
  classify(network: ProgressiveNetwork, inputs: tf.Tensor, column: string): tf.Tensor1D {
    for (const part of this.parts) {
      const predicted = part.classify?.(network, inputs, column);
      if (predicted) return predicted;
    }
    return tf.tidy(() => tf.argMax(network.forward(inputs, column), 1) as tf.Tensor1D);
  }

  /** Every part's metrics, each name prefixed by its part's (`replay/fill`). */
  metrics(): Record<string, number> {
    return Object.fromEntries(
      this.parts.flatMap((part) =>
        Object.entries(part.metrics?.() ?? {}).map(([name, value]) => [`${part.name}/${name}`, value]),
      ),
    );
  }

  /** Every part's state under its name. */
  toState(): Record<string, StrategyState> {
    return Object.fromEntries(this.parts.map((part) => [part.name, part.toState()]));
  }

  dispose(): void {
    for (const part of this.parts) part.dispose();
  }
}
