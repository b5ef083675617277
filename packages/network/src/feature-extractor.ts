import * as tf from '@tensorflow/tfjs-core';
import { checkActivation, type Activation } from './activations.js';
import { NetworkError } from './errors.js';
import { Conv2dLayer } from './layers/conv.js';
import { DenseLayer, type LayerDescription } from './layers/dense.js';
import type { KernelRoute } from './layers/dense-op.js';
import { validate } from './option-checks.js';
import type { ParameterStore } from './parameters.js';

/** No shared layers: the features are the flattened input (pure Progressive Neural Networks). */
export interface IdentityExtractorOptions {
  kind: 'none';
}

/** Dense layers over the flattened input. */
export interface MlpExtractorOptions {
  kind: 'mlp';
  /** Width of each dense layer; the last is the feature size. */
  hiddenSizes: number[];
  /** Default `relu`. */
  activation?: Activation;
}

/** Small convolutional stack over [height, width, channels] inputs: (conv 'same' → activation → max-pool) per entry of `filters`. */
export interface ConvExtractorOptions {
  kind: 'conv';
  /** Filters of each convolution. */
  filters: number[];
  /** Odd square kernel size. Default 3. */
  kernelSize?: number;
  /** Max-pool window and stride after each convolution; 1 for none. Default 2. */
  poolSize?: number;
  /** A dense layer of this width after flattening; 0 for none. Default 0. */
  denseSize?: number;
  /** Default `relu`. */
  activation?: Activation;
}

/** What the shared feature extractor is. */
export type FeatureExtractorOptions = IdentityExtractorOptions | MlpExtractorOptions | ConvExtractorOptions;

/** Fills defaults and checks a {@link FeatureExtractorOptions}. */
export function resolveExtractorOptions(
  options: FeatureExtractorOptions,
  inputShape: readonly number[],
): Required<FeatureExtractorOptions> {
  switch (options?.kind) {
    case 'none':
      return { kind: 'none' };
    case 'mlp':
      return {
        kind: 'mlp',
        hiddenSizes: validate.positiveIntegers('extractor.hiddenSizes', options.hiddenSizes),
        activation: checkActivation('extractor.activation', options.activation ?? 'relu'),
      };
    case 'conv': {
      if (inputShape.length !== 3) {
        throw new NetworkError(
          'INVALID_OPTION',
          `A conv extractor needs inputShape [height, width, channels], got [${inputShape.join(', ')}]; use kind 'mlp' for flat inputs.`,
        );
      }
      // 'same' padding centres the kernel, so it needs a middle cell.
      const kernelSize = validate.positiveInteger('extractor.kernelSize', options.kernelSize ?? 3);
      if (kernelSize % 2 === 0) {
        throw new NetworkError('INVALID_OPTION', `extractor.kernelSize must be odd, got ${kernelSize}; use ${kernelSize + 1}.`);
      }
      return {
        kind: 'conv',
        filters: validate.positiveIntegers('extractor.filters', options.filters),
        kernelSize,
        poolSize: validate.positiveInteger('extractor.poolSize', options.poolSize ?? 2),
        denseSize: validate.nonNegativeInteger('extractor.denseSize', options.denseSize ?? 0),
        activation: checkActivation('extractor.activation', options.activation ?? 'relu'),
      };
    }
    default:
      throw new NetworkError(
        'INVALID_OPTION',
        `extractor.kind must be 'none', 'mlp' or 'conv', got '${String((options as { kind?: unknown })?.kind)}'.`,
      );
  }
}

interface ConvStage {
  conv: Conv2dLayer;
  pooledShape: [number, number, number];
}

/**
 * The shared part every task column reads: input [B, ...inputShape] → features [B, outputSize].
 * It trains with the first task; with `freezeExtractor: 'after-first-task'` it is frozen when the
 * second task is added, which keeps earlier tasks' outputs bit-identical.
 */
export class FeatureExtractor {
  readonly options: Required<FeatureExtractorOptions>;
  readonly outputSize: number;
  private readonly convStages: ConvStage[] = [];
  private readonly denseLayers: DenseLayer[] = [];
  private isFrozen = false;

  constructor(
    readonly inputShape: readonly number[],
    options: FeatureExtractorOptions,
    parameters: ParameterStore,
  ) {
    this.options = resolveExtractorOptions(options, inputShape);
    let width = inputShape.reduce((a, b) => a * b, 1);
    const resolved = this.options;
    if (resolved.kind === 'conv') {
      let shape = [...inputShape] as [number, number, number];
      resolved.filters.forEach((filters, index) => {
        const conv = new Conv2dLayer(`extractor.conv${index}`, shape, filters, resolved.kernelSize, parameters);
        const pool = resolved.poolSize;
        const pooledShape: [number, number, number] = [Math.floor(shape[0] / pool), Math.floor(shape[1] / pool), filters];
        if (pooledShape[0] === 0 || pooledShape[1] === 0) {
          throw new NetworkError(
            'INVALID_OPTION',
            `extractor conv stage ${index} pools [${shape[0]}, ${shape[1]}] to nothing; use fewer filters entries or poolSize 1.`,
          );
        }
        this.convStages.push({ conv, pooledShape });
        shape = pooledShape;
      });
      width = shape[0] * shape[1] * shape[2];
      if (resolved.denseSize > 0) {
        this.denseLayers.push(new DenseLayer('extractor.dense0', width, resolved.denseSize, parameters));
        width = resolved.denseSize;
      }
    } else if (resolved.kind === 'mlp') {
      resolved.hiddenSizes.forEach((size, index) => {
        this.denseLayers.push(new DenseLayer(`extractor.dense${index}`, width, size, parameters));
        width = size;
      });
    }
    this.outputSize = width;
  }

  /** Whether training leaves the extractor alone. */
  get frozen(): boolean {
    return this.isFrozen;
  }

  /** Stops training from changing the extractor; permanent. */
  freeze(): void {
    this.isFrozen = true;
  }

  /** x [B, ...inputShape] → features [B, outputSize]; `route` picks the training ops (see {@link KernelRoute}). */
  apply(x: tf.Tensor, route: KernelRoute = 'fused'): tf.Tensor2D {
    const batch = x.shape[0]!;
    const activation = this.activation;
    let current: tf.Tensor = x;
    // Only the first layer reads the data itself, whose gradient nobody needs.
    let inputGradient = false;
    for (const { conv } of this.convStages) {
      current = conv.apply(current as tf.Tensor4D, activation, { route, inputGradient });
      inputGradient = true;
      const pool = this.options.kind === 'conv' ? this.options.poolSize : 1;
      if (pool > 1) current = tf.maxPool(current as tf.Tensor4D, pool, pool, 'valid');
    }
    let features = tf.reshape(current, [batch, -1]) as tf.Tensor2D;
    for (const layer of this.denseLayers) {
      features = layer.applyActivated(features, activation, { route, inputGradient });
      inputGradient = true;
    }
    return features;
  }

  /** Every variable of the extractor, frozen or not: what EWC protects as the shared part. */
  variables(): tf.Variable[] {
    return [
      ...this.convStages.flatMap(({ conv }) => conv.variables()),
      ...this.denseLayers.flatMap((layer) => layer.variables()),
    ];
  }

  get parameterCount(): number {
    return (
      this.convStages.reduce((sum, { conv }) => sum + conv.parameterCount, 0) +
      this.denseLayers.reduce((sum, layer) => sum + layer.parameterCount, 0)
    );
  }

  /** The layers, in order, with shapes per example. */
  describeLayers(): LayerDescription[] {
    const activation = this.activation;
    const layers: LayerDescription[] = [];
    for (const { conv, pooledShape } of this.convStages) {
      layers.push(conv.describe(activation));
      if (this.options.kind === 'conv' && this.options.poolSize > 1) {
        layers.push({
          name: `${conv.name}.pool`,
          kind: 'maxPool',
          inputShape: [...conv.outputShape],
          outputShape: [...pooledShape],
          parameters: 0,
        });
      }
    }
    const flatWidth = this.denseLayers[0]?.inputSize ?? this.outputSize;
    if (this.inputShape.length > 1 || this.convStages.length > 0) {
      const lastShape = this.convStages.at(-1)?.pooledShape ?? [...this.inputShape];
      layers.push({
        name: 'extractor.flatten',
        kind: 'flatten',
        inputShape: [...lastShape],
        outputShape: [flatWidth],
        parameters: 0,
      });
    }
    for (const layer of this.denseLayers) layers.push(layer.describe(activation));
    return layers;
  }

  private get activation(): Activation {
    return this.options.kind === 'none' ? 'linear' : this.options.activation;
  }
}
