import * as tf from '@tensorflow/tfjs-core';
import { fusedAdam } from '@holomind/tensor-kernels';
import { NetworkError } from './errors.js';
import type { KernelRoute } from './layers/dense-op.js';
import { validate } from './option-checks.js';

/** One task's examples. The caller owns (and disposes) the tensors. */
export interface TaskData {
  taskId: string;
  /** [N, ...inputShape] float32. */
  inputs: tf.Tensor;
  /** [N] class indices (int32 or integral float32), or [N, outputSize] one-hot / soft targets. */
  labels: tf.Tensor;
}

/** An optimizer by name (with TensorFlow.js's defaults but a learning rate of ours), or one the caller owns. */
export type OptimizerChoice =
  | 'adam'
  | 'sgd'
  | 'rmsprop'
  | 'adagrad'
  | { name: 'adam' | 'sgd' | 'rmsprop' | 'adagrad'; learningRate: number }
  | tf.Optimizer;

/** The micro-batch a {@link TrainOptions.regularizer} sees. Tensors live until the step ends; do not dispose them. */
export interface RegularizerBatch {
  /** [B, ...inputShape] inputs of the micro-batch. */
  inputs: tf.Tensor;
  /** [B, outputSize] the training column's logits on them, in training mode. */
  logits: tf.Tensor2D;
  /** [B, outputSize] float32 targets (one-hot for class labels). */
  targets: tf.Tensor2D;
}

/** What {@link TrainOptions.onStep} receives after every optimizer step. */
export interface StepInfo {
  taskId: string;
  /** Epoch of this session, from 0. */
  epoch: number;
  /** Optimizer steps of this session so far, from 1. */
  step: number;
  /** Mean data loss of the step plus the regularizer. */
  loss: number;
  /** Mean cross-entropy of the step alone. */
  dataLoss: number;
  /** Micro-batch size in force (after any shrinking). */
  batchSize: number;
  /** Examples this step used (over all accumulated micro-batches). */
  examples: number;
  /** tf.memory() after the step. */
  numTensors: number;
  numBytes: number;
}

/** Options of {@link ProgressiveNetwork.train}. */
export interface TrainOptions {
  /** Default 1. */
  epochs?: number;
  /** Examples per micro-batch. Default 32. */
  batchSize?: number;
  /** Default `{ name: 'adam', learningRate: 0.001 }` (`fusedAdam`: tf.train.adam's results, faster on wasm). A tf.Optimizer instance stays the caller's to dispose. */
  optimizer?: OptimizerChoice;
  /**
   * Keep the session — optimizer moments, shuffling generator, batch size — after `train` returns,
   * so {@link ProgressiveNetwork.resumeTraining} continues it exactly. Default false: the optimizer
   * is released. Adding a task ends a kept session.
   */
  preserveState?: boolean;
  /**
   * An extra loss added to every micro-batch's, recorded on the same gradient tape: EWC's penalty
   * (which ignores the batch), a replay loss on stored examples, or a distillation term on the
   * batch itself. Must return a float32 scalar.
   */
  regularizer?: (batch: RegularizerBatch) => tf.Scalar;
  /** Called after every optimizer step; awaited. */
  onStep?: (step: StepInfo) => void | Promise<void>;
  /**
   * Called before every optimizer step with the gradients it will apply (by variable name) and the
   * step's number (as {@link StepInfo.step} will report it). The tensors belong to the step: read
   * them synchronously (e.g. a gradient norm or histogram on the steps you sample), do not dispose them.
   */
  onGradients?: (gradients: tf.NamedTensorMap, step: number) => void;
  /** Micro-batches whose gradients add up (weighted by size) before one optimizer step. Default 1. */
  gradientAccumulation?: number;
  /** Halve the micro-batch (down to 1) before a step whenever tf.memory().numBytes exceeds this. */
  shrinkBatchAboveBytes?: number;
  /** Shuffle every epoch (seeded). Default true. */
  shuffle?: boolean;
  /** Write each micro-batch's queries into the attached memory, importance = per-example loss. Default true. */
  memoryWrites?: boolean;
  /**
   * `fused` (default): dense and im2col products run as fused custom-gradient ops with a backward
   * tuned for wasm. `composite`: tfjs's own ops, the reference the fused route is tested against.
   */
  kernels?: KernelRoute;
}

/** What a training call did. */
export interface TrainResult {
  taskId: string;
  /** Epochs run by this call. */
  epochs: number;
  /** Optimizer steps run by this call. */
  steps: number;
  /** Mean loss (with regularizer) of each epoch of this call, weighted by examples. */
  epochLosses: number[];
  /** Micro-batch size at the end. */
  batchSize: number;
  /** How many times the batch was halved for memory. */
  batchShrinks: number;
}

/** TrainOptions with defaults filled in. */
export interface ResolvedTrainOptions {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerChoice;
  preserveState: boolean;
  regularizer: ((batch: RegularizerBatch) => tf.Scalar) | undefined;
  onStep: ((step: StepInfo) => void | Promise<void>) | undefined;
  onGradients: ((gradients: tf.NamedTensorMap, step: number) => void) | undefined;
  gradientAccumulation: number;
  shrinkBatchAboveBytes: number | undefined;
  shuffle: boolean;
  memoryWrites: boolean;
  kernels: KernelRoute;
}

/** Fills defaults and checks every training option. */
export function resolveTrainOptions(options: TrainOptions): ResolvedTrainOptions {
  if (options.regularizer !== undefined && typeof options.regularizer !== 'function') {
    throw new NetworkError(
      'INVALID_REGULARIZER',
      `regularizer must be a function returning a tf.Scalar, got ${typeof options.regularizer}.`,
    );
  }
  return {
    epochs: validate.positiveInteger('epochs', options.epochs ?? 1),
    batchSize: validate.positiveInteger('batchSize', options.batchSize ?? 32),
    optimizer: options.optimizer ?? { name: 'adam', learningRate: 0.001 },
    preserveState: options.preserveState ?? false,
    regularizer: options.regularizer,
    onStep: options.onStep,
    onGradients: options.onGradients,
    gradientAccumulation: validate.positiveInteger('gradientAccumulation', options.gradientAccumulation ?? 1),
    shrinkBatchAboveBytes:
      options.shrinkBatchAboveBytes === undefined
        ? undefined
        : validate.nonNegativeNumber('shrinkBatchAboveBytes', options.shrinkBatchAboveBytes),
    shuffle: options.shuffle ?? true,
    memoryWrites: options.memoryWrites ?? true,
    kernels: validate.oneOf('kernels', options.kernels ?? 'fused', ['fused', 'composite'] as const),
  };
}

const DEFAULT_LEARNING_RATES = { adam: 0.001, sgd: 0.01, rmsprop: 0.001, adagrad: 0.01 } as const;

/** The optimizer a choice names, and whether the network owns (and must dispose) it. */
export function createOptimizer(choice: OptimizerChoice): { optimizer: tf.Optimizer; owned: boolean } {
  if (choice instanceof tf.Optimizer) return { optimizer: choice, owned: false };
  const name = typeof choice === 'string' ? choice : choice?.name;
  if (!(typeof name === 'string' && name in DEFAULT_LEARNING_RATES)) {
    throw new NetworkError(
      'INVALID_OPTION',
      `optimizer must be 'adam', 'sgd', 'rmsprop', 'adagrad', { name, learningRate } or a tf.Optimizer, got ${JSON.stringify(choice)}.`,
    );
  }
  const learningRate =
    typeof choice === 'string' ? DEFAULT_LEARNING_RATES[name as keyof typeof DEFAULT_LEARNING_RATES] : choice.learningRate;
  validate.positiveNumber('optimizer.learningRate', learningRate);
  switch (name) {
    case 'adam':
      // tf.train.adam bit for bit, each variable's update one pass over the wasm heap there.
      return { optimizer: fusedAdam(learningRate), owned: true };
    case 'sgd':
      return { optimizer: tf.train.sgd(learningRate), owned: true };
    case 'rmsprop':
      return { optimizer: tf.train.rmsprop(learningRate), owned: true };
    default:
      return { optimizer: tf.train.adagrad(learningRate), owned: true };
  }
}
