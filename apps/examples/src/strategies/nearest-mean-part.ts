import * as tf from '@tensorflow/tfjs-core';
import { NearestMeanClassifier, type EpisodicMemory } from '@holomind/memory';
import type { ProgressiveNetwork } from '@holomind/network';
import type { StrategyPart, StrategyState } from './continual-strategy.js';

/**
 * iCaRL's classification rule (Rebuffi et al. 2017): the class whose exemplars' mean feature is
 * nearest, computed from the episodic memory with the network as it is now. Means are refitted
 * after every task (and lazily after a resume).
 */
export class NearestMeanPart implements StrategyPart {
  readonly name = 'nearest-mean';
  private classifier: NearestMeanClassifier | undefined;
  private fittedFor: string | undefined;

  constructor(
    private readonly memory: EpisodicMemory,
    /** The label a stored example's source class carries in the benchmark's scenario. */
    private readonly targetOf: (sourceClass: number) => number,
  ) {}

  afterTask(): void {
    this.forget();
  }

  classify(network: ProgressiveNetwork, inputs: tf.Tensor, column: string): tf.Tensor1D | undefined {
    if (this.memory.size === 0) return undefined;
    if (!this.classifier || this.fittedFor !== column) {
      this.forget();
      const stored = this.memory.contents();
      const features = tf.tidy(() =>
        network.features(tf.tensor2d(stored.inputs, [stored.labels.length, this.memory.options.inputSize]), column),
      );
      this.classifier = NearestMeanClassifier.fit(features, Array.from(stored.labels, this.targetOf));
      features.dispose();
      this.fittedFor = column;
    }
    const classifier = this.classifier;
    return tf.tidy(() => classifier.predict(network.features(inputs, column)));
  }

  toState(): StrategyState {
    return { values: {}, arrays: {} };
  }

  dispose(): void {
    this.forget();
  }

  private forget(): void {
    this.classifier?.dispose();
    this.classifier = undefined;
    this.fittedFor = undefined;
  }
}
