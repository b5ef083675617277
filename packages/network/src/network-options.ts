import { describeValue } from '@holomind/core';
import type { ExternalMemory } from '@holomind/memory';
import { checkActivation, type Activation } from './activations.js';
import { NetworkError } from './errors.js';
import { resolveExtractorOptions, type FeatureExtractorOptions } from './feature-extractor.js';
import { dropoutRate, layerWidths, validate } from './option-checks.js';

/** When the shared feature extractor stops training. */
export type ExtractorFreeze = 'after-first-task' | 'never';

const EXTRACTOR_FREEZES: readonly ExtractorFreeze[] = ['after-first-task', 'never'];

/** Defaults for every column; {@link AddTaskOptions} may override them per task. */
export interface ColumnDefaults {
  /** Hidden layer widths. Default [64, 64]. Every column needs the same number of hidden layers (laterals pair them). */
  hiddenSizes?: number[];
  /** Default `relu`. */
  activation?: Activation;
  /** Dropout rate in [0, 1) on the training column's hidden activations. Default 0. */
  dropout?: number;
  /** Width lateral adapters reduce to; default: the width of the column's own input to the target layer. */
  adapterSize?: number;
}

/** Options of {@link ProgressiveNetwork}. */
export interface ProgressiveNetworkOptions {
  /** Shape of one example, e.g. [784] or [28, 28, 1]. */
  inputShape: number[];
  /** The shared feature extractor. Default `{ kind: 'mlp', hiddenSizes: [128] }`. */
  extractor?: FeatureExtractorOptions;
  /**
   * `after-first-task` (default): the extractor trains with the first task and is frozen when the
   * second is added, so every earlier task's outputs stay bit-identical. `never`: it keeps training
   * with every task (protect it from outside, e.g. EWC through `regularizer` and `sharedVariables()`).
   */
  freezeExtractor?: ExtractorFreeze;
  column?: ColumnDefaults;
  /** Most columns (tasks) the network accepts. Default 10. */
  maxColumns?: number;
  /** Seed of initialisation, shuffling and dropout. Default 0. */
  seed?: number;
  /** A memory every column reads (through its own query projection) and training writes. */
  memory?: ExternalMemory;
}

/** Options of {@link ProgressiveNetwork.addTask}. */
export interface AddTaskOptions {
  /** Number of classes (logits) of this task. */
  outputSize: number;
  hiddenSizes?: number[];
  activation?: Activation;
  dropout?: number;
  adapterSize?: number;
  /**
   * Whether this column reads every earlier column through lateral adapters. Default true (a
   * progressive network). `false`: an independent column that runs on the extractor's features alone,
   * so training and inference cost stay constant as tasks are added instead of growing with them.
   */
  lateral?: boolean;
}

/** Network options with every default filled in (memory aside); what a state records. */
export interface ResolvedNetworkOptions {
  inputShape: number[];
  extractor: FeatureExtractorOptions;
  freezeExtractor: ExtractorFreeze;
  column: Required<Omit<ColumnDefaults, 'adapterSize'>> & { adapterSize?: number };
  maxColumns: number;
  seed: number;
}

/** Fills defaults and checks every option; errors name the option. */
export function resolveNetworkOptions(options: ProgressiveNetworkOptions): ResolvedNetworkOptions {
  if (typeof options !== 'object' || options === null) {
    throw new NetworkError('INVALID_OPTION', 'ProgressiveNetwork needs an options object such as { inputShape: [784] }.');
  }
  if (!Array.isArray(options.inputShape) || options.inputShape.length === 0) {
    throw new NetworkError(
      'INVALID_OPTION',
      `inputShape must be a non-empty array such as [784] or [28, 28, 1], got ${describeValue(options.inputShape)}.`,
    );
  }
  const inputShape = options.inputShape.map((size, axis) => validate.positiveInteger(`inputShape[${axis}]`, size));
  const extractor = resolveExtractorOptions(options.extractor ?? { kind: 'mlp', hiddenSizes: [128] }, inputShape);
  const freezeExtractor = validate.oneOf('freezeExtractor', options.freezeExtractor ?? 'after-first-task', EXTRACTOR_FREEZES);
  const column = options.column ?? {};
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new NetworkError('INVALID_OPTION', `seed must be an integer, got ${describeValue(seed)}.`);
  return {
    inputShape,
    extractor,
    freezeExtractor,
    column: {
      hiddenSizes: layerWidths('column.hiddenSizes', column.hiddenSizes ?? [64, 64]),
      activation: checkActivation('column.activation', column.activation ?? 'relu'),
      dropout: dropoutRate('column.dropout', column.dropout ?? 0),
      ...(column.adapterSize === undefined
        ? {}
        : { adapterSize: validate.positiveInteger('column.adapterSize', column.adapterSize) }),
    },
    maxColumns: validate.positiveInteger('maxColumns', options.maxColumns ?? 10),
    seed,
  };
}
