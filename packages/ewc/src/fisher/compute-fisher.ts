import * as tf from '@tensorflow/tfjs-core';
import {
  resolveTrainingData,
  TensorKernelsError,
  type InputsAndLabels,
  type ResolvedTrainingData,
} from '@holomind/tensor-kernels';
import { EwcError } from '../errors.js';
import { checkOption, type ConsolidateOptions, type ConsolidationData, type FisherKind } from '../options.js';
import { seededSubset } from '../random.js';
import type { EwcTarget, NamedParameter } from '../targets.js';
import { fisherSource, type FisherSource } from './fisher-source.js';
import {
  accumulateAll,
  accumulateSquaredGradients,
  disposeSums,
  meanSquaredGradients,
  type SquaredGradientSums,
} from './squared-gradients.js';

/** The Fisher diagonal of every trainable parameter, as computed at the parameters' current values. */
export interface FisherResult {
  parameters: NamedParameter[];
  /** Per parameter name, same length as the parameter. Parameters the loss does not reach are 0. */
  fisher: Map<string, Float32Array>;
  samples: number;
  route: FisherSource['route'] | 'batched';
}

/** The caller's data as one `{ inputs, labels }` pair; a form the converter refuses is DATA_MISMATCH. */
async function resolveData(data: ConsolidationData): Promise<ResolvedTrainingData> {
  try {
    return await resolveTrainingData(data, 'data');
  } catch (error) {
    if (!TensorKernelsError.isInstance(error)) throw error;
    throw new EwcError('DATA_MISMATCH', `${error.message} The samples go along the first axis.`, { cause: error });
  }
}

function checkData(data: InputsAndLabels): number {
  const samples = data.inputs.rank === 0 ? 0 : data.inputs.shape[0]!;
  if (samples === 0) {
    throw new EwcError(
      'EMPTY_DATA',
      `data.inputs has no samples (shape [${data.inputs.shape.join(', ')}]); the Fisher is a mean over at least one sample of the task.`,
    );
  }
  if (data.labels.rank === 0 || data.labels.shape[0] !== samples) {
    throw new EwcError(
      'DATA_MISMATCH',
      `data.labels has ${data.labels.shape[0] ?? 0} samples but data.inputs has ${samples}; give one label per input.`,
    );
  }
  return samples;
}

/** Mixes a chunk index into the seed so every chunk of the `true` Fisher draws its own labels (internal). */
export function chunkSeed(seed: number, chunk: number): number {
  return (seed + Math.imul(chunk + 1, 0x9e3779b1)) >>> 0;
}

async function exactSums(
  source: FisherSource,
  inputs: tf.Tensor,
  labels: tf.Tensor,
  kind: FisherKind,
  batchSize: number,
  seed: number,
) {
  const sums: SquaredGradientSums = new Map();
  const samples = inputs.shape[0]!;
  try {
    for (let start = 0, chunk = 0; start < samples; start += batchSize, chunk++) {
      const size = Math.min(batchSize, samples - start);
      // One chunk of everything needs no copy (a [1024, 784] slice costs ~2 ms on wasm).
      const chunkInputs = size === samples ? inputs : tf.slice(inputs, start, size);
      let targets: tf.Tensor | undefined;
      try {
        if (kind === 'true') {
          targets = await source.sampleTargets!(chunkInputs, chunkSeed(seed, chunk));
        } else {
          targets = tf.tidy(() => source.lossTargets(tf.slice(labels, start, size)));
        }
        accumulateAll(sums, source.squaredGradientSums(chunkInputs, targets));
      } finally {
        tf.dispose([...(chunkInputs !== inputs ? [chunkInputs] : []), ...(targets ? [targets] : [])]);
      }
    }
    return sums;
  } catch (error) {
    disposeSums(sums);
    throw error;
  }
}

// Avalanche's EWC: square the gradient of each minibatch's mean loss, average over minibatches.
function batchedSums(source: FisherSource, inputs: tf.Tensor, labels: tf.Tensor, minibatchSize: number) {
  const sums: SquaredGradientSums = new Map();
  const samples = inputs.shape[0]!;
  const variables = source.parameters.map(({ variable }) => variable);
  let minibatches = 0;
  try {
    for (let start = 0; start < samples; start += minibatchSize, minibatches++) {
      const size = Math.min(minibatchSize, samples - start);
      const minibatchInputs = tf.slice(inputs, start, size);
      const targets = tf.tidy(() => source.lossTargets(tf.slice(labels, start, size)));
      try {
        const loss = () => tf.div(source.summedLoss(minibatchInputs, targets), size) as tf.Scalar;
        accumulateSquaredGradients(sums, loss, variables, source.parameters);
      } finally {
        tf.dispose([minibatchInputs, targets]);
      }
    }
    return { sums, minibatches };
  } catch (error) {
    disposeSums(sums);
    throw error;
  }
}

/**
 * The diagonal Fisher of `target` on `data` at its current parameters; see {@link FisherKind}.
 * Works in batches of `batchSize` samples (the exact kinds) or `minibatchSize` (`batched`).
 *
 * @example
 * ```ts
 * const { fisher, route } = await computeFisher(model, { inputs, labels }, 'empirical');
 * console.log(route, fisher.get('dense_1/kernel')); // 'one-pass', Float32Array [784 * 400]
 * ```
 */
export async function computeFisher(
  target: EwcTarget,
  data: ConsolidationData,
  kind: FisherKind,
  options: ConsolidateOptions = {},
): Promise<FisherResult> {
  const resolved = await resolveData(data);
  try {
    return await fisherOf(target, resolved, kind, options);
  } finally {
    resolved.dispose();
  }
}

async function fisherOf(
  target: EwcTarget,
  data: InputsAndLabels,
  kind: FisherKind,
  options: ConsolidateOptions,
): Promise<FisherResult> {
  const available = checkData(data);
  const samples = Math.min(checkOption.positiveInteger('samples', options.samples ?? available), available);
  const batchSize = checkOption.positiveInteger('batchSize', options.batchSize ?? 256);
  const minibatchSize = checkOption.positiveInteger('minibatchSize', options.minibatchSize ?? 32);
  const seed = options.seed ?? 0;
  const subset = samples < available ? tf.tensor1d(seededSubset(available, samples, seed), 'int32') : undefined;
  const inputs = subset ? tf.gather(data.inputs, subset) : data.inputs;
  const labels = subset ? tf.gather(data.labels, subset) : data.labels;
  // Only its shape matters (to plan the walk); a [1, ...] slice of a large tensor costs ~1 ms on wasm.
  const oneSample = tf.zeros([1, ...inputs.shape.slice(1)], inputs.dtype);
  let sums: SquaredGradientSums | undefined;
  try {
    const source = fisherSource(target, oneSample, options);
    if (kind === 'true' && !source.sampleTargets) {
      throw new EwcError(
        'INVALID_OPTION',
        "The 'true' Fisher samples labels from the model's predictions: give 'predict' instead of 'loss'.",
      );
    }
    let divisor = samples;
    if (kind === 'batched') {
      const batched = batchedSums(source, inputs, labels, minibatchSize);
      [sums, divisor] = [batched.sums, batched.minibatches];
    } else {
      sums = await exactSums(source, inputs, labels, kind, batchSize, seed);
    }
    const means = await meanSquaredGradients(sums, divisor);
    const fisher = new Map(
      source.parameters.map(({ name, variable }) => [name, means.get(name) ?? new Float32Array(variable.size)]),
    );
    return { parameters: source.parameters, fisher, samples, route: kind === 'batched' ? 'batched' : source.route };
  } finally {
    if (sums) disposeSums(sums);
    tf.dispose([oneSample, ...(subset ? [subset, inputs, labels] : [])]);
  }
}
