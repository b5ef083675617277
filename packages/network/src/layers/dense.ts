import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../activations.js';
import type { ParameterStore } from '../parameters.js';
import { denseActivation, type DenseOpOptions } from './dense-op.js';

/** Architecture record of one layer, as `describe()` reports it. */
export interface LayerDescription {
  name: string;
  kind: 'dense' | 'conv2d' | 'maxPool' | 'flatten' | 'lateral';
  /** Shape of one example in (no batch dimension). */
  inputShape: number[];
  outputShape: number[];
  activation?: string;
  parameters: number;
}

/** y = x·W (+ b): kernel [in, out] Glorot-uniform, bias [out] zeros. */
export class DenseLayer {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | undefined;

  constructor(
    readonly name: string,
    readonly inputSize: number,
    readonly outputSize: number,
    parameters: ParameterStore,
    options: { bias?: boolean } = {},
  ) {
    this.kernel = parameters.create(`${name}.kernel`, [inputSize, outputSize], {
      kind: 'glorot',
      fanIn: inputSize,
      fanOut: outputSize,
    });
    this.bias = options.bias === false ? undefined : parameters.create(`${name}.bias`, [outputSize], { kind: 'zeros' });
  }

  /** x [B, in] → [B, out], before any activation. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const product = tf.matMul(x, this.kernel as tf.Tensor2D) as tf.Tensor2D;
    return this.bias ? (tf.add(product, this.bias) as tf.Tensor2D) : product;
  }

  /** x [B, in] (or its parts [B, in_i], concatenated) → activation(x·W + b) [B, out], through {@link denseActivation} (fused or composite). */
  applyActivated(x: tf.Tensor2D | readonly tf.Tensor2D[], activation: Activation, options: DenseOpOptions): tf.Tensor2D {
    return denseActivation(x, this.kernel as tf.Tensor2D, this.bias as tf.Tensor1D | undefined, activation, options);
  }

  variables(): tf.Variable[] {
    return this.bias ? [this.kernel, this.bias] : [this.kernel];
  }

  get parameterCount(): number {
    return this.inputSize * this.outputSize + (this.bias ? this.outputSize : 0);
  }

  describe(activation: string): LayerDescription {
    return {
      name: this.name,
      kind: 'dense',
      inputShape: [this.inputSize],
      outputShape: [this.outputSize],
      activation,
      parameters: this.parameterCount,
    };
  }
}
