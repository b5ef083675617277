import type * as tf from '@tensorflow/tfjs-core';
import { describeValue, optionValidators } from '@holomind/core';
import type { TrainingData } from '@holomind/tensor-kernels';
import { EwcError } from './errors.js';

/** How tasks share the penalty: one (θ*, F) per task, or Progress & Compress' running Fisher. */
export type EwcMode = 'separate' | 'online';

/**
 * Which Fisher diagonal {@link EwcConsolidator.consolidate} computes:
 * - `empirical`: exact per-sample E[(∇ log p(y|x))²] with the data's labels;
 * - `true`: the same with labels sampled from the model's predictive distribution (seeded);
 * - `batched`: Avalanche's approximation, the mean over minibatches of the squared minibatch-mean gradient.
 */
export type FisherKind = 'empirical' | 'true' | 'batched';

/**
 * The model's output distribution, which defines the per-sample loss −log p(y|x):
 * - `categorical`: outputs are logits, or probabilities when the last layer ends in softmax;
 *   labels are one-hot [N, classes] or class indices [N];
 * - `gaussian`: outputs are the mean of a unit-variance Gaussian; loss ½‖y − f(x)‖².
 */
export type Likelihood = 'categorical' | 'gaussian';

/** Options of {@link EwcConsolidator}. */
export interface EwcOptions {
  /** Penalty strength λ in λ/2 Σ F (θ − θ*)²; >= 0. */
  lambda: number;
  /** Default `separate`. */
  mode?: EwcMode;
  /** `online` only: decay of the old Fisher, F ← γF + F_new; in (0, 1], default 1. */
  gamma?: number;
  /** Default `empirical`. */
  fisher?: FisherKind;
  /** Importances below this (after `normalize`) become 0; default 0. */
  minImportance?: number;
  /** Scale each task's Fisher so its largest entry is 1; default false. */
  normalize?: boolean;
}

/**
 * The samples of one task: `inputs` [N, ...] and `labels` [N, classes] (one-hot), [N] (class
 * indices) or [N, ...] targets, named `{ inputs, labels }` or `{ xs, ys }` (as `model.fit` and
 * `tf.data` do), or a `tf.data.Dataset` of either (read whole; its elements are batches, as for
 * `model.fitDataset`). Converted by `resolveTrainingData` of `@holomind/tensor-kernels`.
 */
export type ConsolidationData = TrainingData;

/** Options of {@link EwcConsolidator.consolidate}. */
export interface ConsolidateOptions {
  /** Names the task; consolidating an existing id again replaces it (`separate` mode). Default `task-<n>`. */
  taskId?: string;
  /** Use a seeded random subset of this many samples; default all. */
  samples?: number;
  /** Seed of the subset and of the sampled labels of the `true` Fisher; default 0. */
  seed?: number;
  /** Samples per backward pass of the exact Fisher (bounds memory); default 256. */
  batchSize?: number;
  /** `batched` Fisher only: the minibatch whose mean gradient is squared; default 32. */
  minibatchSize?: number;
  /** Default `categorical`. */
  likelihood?: Likelihood;
  /**
   * Variables targets: the model's outputs for a batch of inputs (logits for `categorical`, means for
   * `gaussian`), built from the variables. Enables every Fisher kind.
   */
  predict?: (inputs: tf.Tensor) => tf.Tensor;
  /**
   * Variables targets, instead of `predict`: the loss of a batch, averaged over its samples. Only
   * `empirical` and `batched` (sampling labels needs `predict`).
   */
  loss?: (inputs: tf.Tensor, labels: tf.Tensor) => tf.Scalar;
}

/** EwcOptions with defaults filled in and checked. */
export type ResolvedEwcOptions = Required<EwcOptions>;

/** The option checks of this package: each throws EwcError INVALID_OPTION naming the option and value. */
export const checkOption = optionValidators((message) => new EwcError('INVALID_OPTION', message));

const MODES: readonly EwcMode[] = ['separate', 'online'];
const FISHER_KINDS: readonly FisherKind[] = ['empirical', 'true', 'batched'];
/** Every {@link Likelihood}, for checking the option. */
export const LIKELIHOODS: readonly Likelihood[] = ['categorical', 'gaussian'];

/** Fills defaults and rejects impossible values with the fix in the message. */
export function resolveEwcOptions(options: EwcOptions): ResolvedEwcOptions {
  const { mode = 'separate', gamma = 1, fisher = 'empirical', minImportance = 0, normalize = false } = options;
  const resolved: ResolvedEwcOptions = {
    lambda: checkOption.nonNegativeNumber('lambda', options.lambda),
    mode: checkOption.oneOf('mode', mode, MODES),
    gamma,
    fisher: checkOption.oneOf('fisher', fisher, FISHER_KINDS),
    minImportance: checkOption.nonNegativeNumber('minImportance', minImportance),
    normalize: normalize === true,
  };
  // (0, 1] is open at the bottom, which numberInRange does not express.
  if (typeof gamma !== 'number' || !(gamma > 0 && gamma <= 1)) {
    throw new EwcError(
      'INVALID_OPTION',
      `gamma must lie in (0, 1], got ${describeValue(gamma)}; it is the decay of the old Fisher in online mode (1 keeps it all).`,
    );
  }
  return resolved;
}
