import * as tf from '@tensorflow/tfjs-core';
import type { ExternalMemory } from '@holomind/memory';
import { activate, type Activation } from './activations.js';
import { LateralAdapter, type LateralDescription } from './lateral-adapter.js';
import { DenseLayer, type LayerDescription } from './layers/dense.js';
import type { KernelRoute } from './layers/dense-op.js';
import type { ParameterStore } from './parameters.js';

/** Architecture of one column, fixed when its task is added. */
export interface TaskColumnOptions {
  outputSize: number;
  hiddenSizes: number[];
  activation: Activation;
  /** Dropout rate on this column's hidden activations while it trains. */
  dropout: number;
  /** Width V reduces lateral inputs to, per target layer; default: the width of the column's own input to that layer. */
  adapterSize?: number;
  /** `false`: no lateral adapters (an independent column); absent means true. */
  lateral?: false;
}

/** Widths of the memory read fused into a column's input. */
export interface MemoryWidths {
  /** heads · keySize */
  query: number;
  /** heads · valueSize */
  read: number;
}

/** Per-call context of {@link TaskColumn.run}. */
export interface ColumnRunContext {
  /** Dropout on; only the column being trained runs in training mode. */
  training: boolean;
  dropoutSeed: number;
  memory: ExternalMemory | undefined;
  /** Whether the read counts in the memory's usage and hits (default true; off for a frozen column's own copy). */
  trackReads?: boolean;
  /** Compute the output layer too (only the requested column needs it). */
  withOutput: boolean;
  /** Ops to record while training (default `fused`). */
  route?: KernelRoute;
  /** Whether the features depend on a trained variable (a trainable extractor). Default true. */
  featuresNeedGradient?: boolean;
}

/** What one column computed. */
export interface ColumnRun {
  /** [B, hiddenSizes[i]] per hidden layer, after activation (and dropout when training). */
  hidden: tf.Tensor2D[];
  /** [B, outputSize], when asked. */
  logits?: tf.Tensor2D;
  /** [B, heads · keySize]: the memory query, when a memory is attached. */
  query?: tf.Tensor2D;
}

/** How `describe()` reports a column. */
export interface TaskColumnDescription {
  taskId: string;
  index: number;
  frozen: boolean;
  outputSize: number;
  hiddenSizes: number[];
  activation: Activation;
  dropout: number;
  /** Features in: the extractor's output, plus the memory read when a memory is attached. */
  inputSize: number;
  memoryQuery: LayerDescription | null;
  layers: LayerDescription[];
  laterals: LateralDescription[];
  parameters: number;
}

/**
 * One task's column of a Progressive Neural Network (Rusu et al. 2016): dense hidden layers and a
 * linear output layer. Layer i ≥ 1 (the output layer counts as the last) also receives, through a
 * {@link LateralAdapter}, the activations at layer i − 1 of every earlier column. With a memory
 * attached, the column projects the features to a query, reads the memory and concatenates the read
 * to the features before its first layer.
 */
export class TaskColumn {
  readonly layers: DenseLayer[];
  readonly laterals: LateralAdapter[];
  readonly memoryQuery: DenseLayer | undefined;
  readonly inputSize: number;
  private isFrozen = false;

  constructor(
    readonly taskId: string,
    readonly index: number,
    readonly featureSize: number,
    readonly options: TaskColumnOptions,
    earlier: readonly TaskColumn[],
    memoryWidths: MemoryWidths | undefined,
    parameters: ParameterStore,
  ) {
    const prefix = `columns.${index}`;
    this.memoryQuery = memoryWidths
      ? new DenseLayer(`${prefix}.memoryQuery`, featureSize, memoryWidths.query, parameters)
      : undefined;
    this.inputSize = featureSize + (memoryWidths?.read ?? 0);
    const widths = [this.inputSize, ...options.hiddenSizes, options.outputSize];
    this.layers = widths
      .slice(1)
      .map((width, layer) => new DenseLayer(`${prefix}.layer${layer}`, widths[layer]!, width, parameters));
    this.laterals = [];
    if (earlier.length > 0 && options.lateral !== false) {
      for (let target = 1; target <= options.hiddenSizes.length; target++) {
        const sourceWidths = earlier.map((column) => column.options.hiddenSizes[target - 1]!);
        const adapterSize = options.adapterSize ?? widths[target]!;
        this.laterals.push(
          new LateralAdapter(
            `${prefix}.lateral${target}`,
            target,
            earlier.map((column) => column.taskId),
            sourceWidths,
            adapterSize,
            widths[target + 1]!,
            options.activation,
            parameters,
          ),
        );
      }
    }
  }

  /** Whether training leaves this column alone (every column but the newest). */
  get frozen(): boolean {
    return this.isFrozen;
  }

  /** Stops training from changing this column; permanent. */
  freeze(): void {
    this.isFrozen = true;
  }

  /**
   * features [B, featureSize]; earlierHidden[j][i]: earlier column j's activations at hidden layer i.
   */
  run(features: tf.Tensor2D, earlierHidden: readonly (readonly tf.Tensor2D[])[], context: ColumnRunContext): ColumnRun {
    const result: ColumnRun = { hidden: [] };
    const route = context.route ?? 'fused';
    let input: tf.Tensor2D | tf.Tensor2D[] = features;
    const featuresGradient = context.featuresNeedGradient ?? true;
    let inputGradient: boolean | boolean[] = featuresGradient;
    if (this.memoryQuery && context.memory) {
      result.query = this.memoryQuery.applyActivated(features, 'linear', { route, inputGradient: featuresGradient });
      // The read enters the first layer beside the features, as parts: its gradient (it depends on
      // the query's weights) is computed alone when the features need none, not over every input.
      input = [features, context.memory.read(result.query, { kernels: route, track: context.trackReads ?? true })];
      inputGradient = [featuresGradient, true];
    }
    const hiddenCount = this.options.hiddenSizes.length;
    const lastLayer = context.withOutput ? hiddenCount : hiddenCount - 1;
    for (let layer = 0; layer <= lastLayer; layer++) {
      const lateral = layer >= 1 ? this.laterals[layer - 1] : undefined;
      const activation = layer === hiddenCount ? 'linear' : this.options.activation;
      // A lateral adds to the pre-activation, so the activation cannot be fused into that layer's product.
      let output = this.layers[layer]!.applyActivated(input, lateral ? 'linear' : activation, { route, inputGradient });
      inputGradient = true;
      if (lateral) {
        const sources = earlierHidden.map((hidden) => hidden[layer - 1]!);
        output = activate(tf.add(output, lateral.apply(sources, route)) as tf.Tensor2D, activation);
      }
      if (layer === hiddenCount) {
        result.logits = output;
        break;
      }
      let hidden = output;
      if (context.training && this.options.dropout > 0)
        hidden = tf.dropout(hidden, this.options.dropout, undefined, context.dropoutSeed + layer) as tf.Tensor2D;
      result.hidden.push(hidden);
      input = hidden;
    }
    return result;
  }

  /** Every variable of the column: layers, laterals and memory query. */
  variables(): tf.Variable[] {
    return [
      ...(this.memoryQuery?.variables() ?? []),
      ...this.layers.flatMap((layer) => layer.variables()),
      ...this.laterals.flatMap((lateral) => lateral.variables()),
    ];
  }

  get parameterCount(): number {
    return (
      (this.memoryQuery?.parameterCount ?? 0) +
      this.layers.reduce((sum, layer) => sum + layer.parameterCount, 0) +
      this.laterals.reduce((sum, lateral) => sum + lateral.parameterCount, 0)
    );
  }

  describe(): TaskColumnDescription {
    const hiddenCount = this.options.hiddenSizes.length;
    return {
      taskId: this.taskId,
      index: this.index,
      frozen: this.isFrozen,
      outputSize: this.options.outputSize,
      hiddenSizes: [...this.options.hiddenSizes],
      activation: this.options.activation,
      dropout: this.options.dropout,
      inputSize: this.inputSize,
      memoryQuery: this.memoryQuery?.describe('linear') ?? null,
      layers: this.layers.map((layer, index) => layer.describe(index === hiddenCount ? 'linear' : this.options.activation)),
      laterals: this.laterals.map((lateral) => lateral.describe()),
      parameters: this.parameterCount,
    };
  }
}
