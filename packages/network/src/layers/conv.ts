import * as tf from '@tensorflow/tfjs-core';
import type { ParameterStore } from '../parameters.js';
import type { Activation } from '../activations.js';
import type { LayerDescription } from './dense.js';
import { denseActivation, type DenseOpOptions } from './dense-op.js';

/**
 * A stride-1 'same' 2-D convolution computed as im2col + matmul from slices. tfjs-backend-wasm has
 * no Conv2DBackpropFilter kernel, so tf.conv2d cannot be trained there; slice, concat, pad and
 * matmul have gradients on every backend. kernel [k, k, inChannels, filters] (tf.conv2d's layout), bias [filters].
 */
export class Conv2dLayer {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly name: string,
    readonly inputShape: [number, number, number],
    readonly filters: number,
    readonly kernelSize: number,
    parameters: ParameterStore,
  ) {
    const channels = inputShape[2];
    this.kernel = parameters.create(`${name}.kernel`, [kernelSize, kernelSize, channels, filters], {
      kind: 'glorot',
      fanIn: kernelSize * kernelSize * channels,
      fanOut: kernelSize * kernelSize * filters,
    });
    this.bias = parameters.create(`${name}.bias`, [filters], { kind: 'zeros' });
  }

  get outputShape(): [number, number, number] {
    return [this.inputShape[0], this.inputShape[1], this.filters];
  }

  /** x [B, H, W, C] → activation(conv(x) + bias) [B, H, W, filters]; the im2col product runs through {@link denseActivation}. */
  apply(x: tf.Tensor4D, activation: Activation, options: DenseOpOptions): tf.Tensor4D {
    const [batch, height, width, channels] = x.shape;
    const k = this.kernelSize;
    const pad = (k - 1) / 2;
    const padded = tf.pad(x, [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ]);
    // Patch features ordered (row offset, column offset, channel): the row-major order of the kernel.
    const shifted: tf.Tensor4D[] = [];
    for (let row = 0; row < k; row++) {
      for (let column = 0; column < k; column++) {
        shifted.push(tf.slice(padded, [0, row, column, 0], [batch, height, width, channels]));
      }
    }
    const patches = tf.reshape(tf.concat(shifted, 3), [batch * height * width, k * k * channels]);
    const kernel = tf.reshape(this.kernel, [k * k * channels, this.filters]);
    const output = denseActivation(patches as tf.Tensor2D, kernel as tf.Tensor2D, this.bias as tf.Tensor1D, activation, options);
    return tf.reshape(output, [batch, height, width, this.filters]);
  }

  variables(): tf.Variable[] {
    return [this.kernel, this.bias];
  }

  get parameterCount(): number {
    return this.kernelSize * this.kernelSize * this.inputShape[2] * this.filters + this.filters;
  }

  describe(activation: string): LayerDescription {
    return {
      name: this.name,
      kind: 'conv2d',
      inputShape: [...this.inputShape],
      outputShape: [...this.outputShape],
      activation,
      parameters: this.parameterCount,
    };
  }
}
