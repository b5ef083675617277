import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from './activations.js';
import type { KernelRoute } from './layers/dense-op.js';
import { DenseLayer, type LayerDescription } from './layers/dense.js';
import type { ParameterStore } from './parameters.js';

/** Where a lateral adapter reads from and writes to, as `describe()` reports it. */
export interface LateralDescription extends LayerDescription {
  kind: 'lateral';
  /** Index of the column layer it feeds (1 .. hidden layers; the last is the output layer). */
  targetLayer: number;
  /** Task of each earlier column it reads, in column order. */
  fromTasks: string[];
  /** Width of each earlier column's activations it reads (their layer targetLayer - 1). */
  sourceWidths: number[];
  adapterSize: number;
}

/**
 * The non-linear lateral connection of Rusu et al. 2016 (Progressive Neural Networks, eq. 2):
 * U · σ(V · [α_1 h_1, …, α_{k-1} h_{k-1}] + c), from the activations h_j of every earlier column at
 * the layer below the target, with one learned scale α_j per earlier column (initialised to 1).
 * V reduces the concatenation to `adapterSize`; U maps to the target layer and has no bias (the
 * target layer's own bias covers it). The result is added to the target layer's pre-activation.
 */
export class LateralAdapter {
  readonly scales: tf.Variable; // [earlier columns]
  readonly reduce: DenseLayer; // V, c
  readonly project: DenseLayer; // U

  constructor(
    readonly name: string,
    readonly targetLayer: number,
    readonly fromTasks: readonly string[],
    readonly sourceWidths: readonly number[],
    readonly adapterSize: number,
    readonly outputSize: number,
    readonly activation: Activation,
    parameters: ParameterStore,
  ) {
    const inputSize = sourceWidths.reduce((a, b) => a + b, 0);
    this.scales = parameters.create(`${name}.scale`, [sourceWidths.length], { kind: 'ones' });
    this.reduce = new DenseLayer(`${name}.reduce`, inputSize, adapterSize, parameters);
    this.project = new DenseLayer(`${name}.project`, adapterSize, outputSize, parameters, { bias: false });
  }

  /** sources: one [B, sourceWidths[j]] tensor per earlier column → [B, outputSize]. */
  apply(sources: readonly tf.Tensor2D[], route: KernelRoute = 'fused'): tf.Tensor2D {
    const scaled = sources.map((source, index) => tf.mul(source, tf.slice(this.scales, [index], [1])) as tf.Tensor2D);
    const joined = scaled.length === 1 ? scaled[0]! : tf.concat(scaled, 1);
    // Both inputs depend on trained variables (the scales, then V and c).
    const reduced = this.reduce.applyActivated(joined, this.activation, { route, inputGradient: true });
    return this.project.applyActivated(reduced, 'linear', { route, inputGradient: true });
  }

  variables(): tf.Variable[] {
    return [this.scales, ...this.reduce.variables(), ...this.project.variables()];
  }

  get parameterCount(): number {
    return this.sourceWidths.length + this.reduce.parameterCount + this.project.parameterCount;
  }

  describe(): LateralDescription {
    return {
      name: this.name,
      kind: 'lateral',
      targetLayer: this.targetLayer,
      fromTasks: [...this.fromTasks],
      sourceWidths: [...this.sourceWidths],
      adapterSize: this.adapterSize,
      inputShape: [this.sourceWidths.reduce((a, b) => a + b, 0)],
      outputShape: [this.outputSize],
      activation: this.activation,
      parameters: this.parameterCount,
    };
  }
}
