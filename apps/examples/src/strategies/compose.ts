import * as tf from '@tensorflow/tfjs-core';
import type { ProgressiveNetwork, RegularizerBatch } from '@holomind/network';
import type { StrategyPart, StrategyState, TaskContext } from './continual-strategy.js';

/** Several parts acting as one: losses add up, hooks run in order, the first classifier wins. */
export class ComposedStrategy {
  // Each part's extra loss in the latest micro-batch (kept scalars, released when replaced or read).
  private readonly terms = new Map<string, tf.Scalar>();

  constructor(readonly parts: readonly StrategyPart[]) {}

  async beforeTask(context: TaskContext): Promise<void> {
    for (const part of this.parts) await part.beforeTask?.(context);
  }

  /** The summed extra loss of every part, or undefined when none adds one. */
  loss(context: TaskContext): ((batch: RegularizerBatch) => tf.Scalar) | undefined {
    const losses = this.parts.flatMap((part) => {
      const loss = part.loss?.(context);
      return loss ? [{ name: part.name, loss }] : [];
    });
    if (losses.length === 0) return undefined;
    return (batch) =>
      losses
        .map(({ name, loss }) => {
          const term = loss(batch);
          // Kept past the training step's tidy so monitoring can read each part's term on its own.
          this.terms.get(name)?.dispose();
          this.terms.set(name, tf.keep(term));
          return term;
        })
        .reduce((sum, term) => tf.add(sum, term) as tf.Scalar);
  }

  /**
   * Each part's extra loss in the latest training micro-batch (`replay`: the DER++ terms, `ewc`: the
   * penalty), by part name; read once, then released. Empty before any part added a loss.
   */
  async takeTerms(): Promise<Record<string, number>> {
    const entries = [...this.terms];
    this.terms.clear();
    const values = await Promise.all(entries.map(([, term]) => term.data()));
    tf.dispose(entries.map(([, term]) => term));
    return Object.fromEntries(entries.map(([name], i) => [name, values[i]![0]!]));
  }

  /** Stored examples per class of each part that keeps an episodic memory, by part name. */
  classCounts(): Record<string, readonly number[]> {
    return Object.fromEntries(this.parts.flatMap((part) => (part.classCounts ? [[part.name, part.classCounts()]] : [])));
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
  async classify(network: ProgressiveNetwork, inputs: tf.Tensor, column: string): Promise<tf.Tensor1D> {
    for (const part of this.parts) {
      const predicted = await part.classify?.(network, inputs, column);
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
    tf.dispose([...this.terms.values()]);
    this.terms.clear();
    for (const part of this.parts) part.dispose();
  }
}
