import * as tf from '@tensorflow/tfjs-core';
import { EwcError } from './errors.js';
import type { Likelihood } from './options.js';
import { sampleCategorical, sampleGaussian } from './random.js';

/** What a model's output tensor holds: softmax inputs, softmax outputs, or Gaussian means. */
export type OutputKind = 'logits' | 'probabilities' | 'mean';

// log(0) guard for models that end in softmax and are evaluated through their probabilities.
const PROBABILITY_FLOOR = 1e-7;

function sumPerSample(values: tf.Tensor): tf.Tensor1D {
  return tf.sum(tf.reshape(values, [values.shape[0]!, -1]), 1);
}

/** −log p(y|x) of each sample, [N]; `targets` come from {@link lossTargets} or {@link sampledTargets}. */
export function perSampleNegativeLogLikelihood(outputs: tf.Tensor, targets: tf.Tensor, kind: OutputKind): tf.Tensor1D {
  return tf.tidy(() => {
    if (kind === 'mean') return tf.mul(0.5, sumPerSample(tf.square(tf.sub(targets, outputs)))) as tf.Tensor1D;
    const logProbabilities = kind === 'logits' ? tf.logSoftmax(outputs) : tf.log(tf.clipByValue(outputs, PROBABILITY_FLOOR, 1));
    return tf.neg(sumPerSample(tf.mul(targets, logProbabilities)));
  });
}

function shapeText(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * The labels in the form the loss uses, as a new tensor: one-hot (or soft) targets shaped like the
 * outputs for `categorical` (class indices are expanded), the outputs' shape for `gaussian`.
 */
export function lossTargets(labels: tf.Tensor, outputShape: readonly number[], likelihood: Likelihood): tf.Tensor {
  const perSample = outputShape.slice(1);
  const labelsPerSample = labels.shape.slice(1);
  if (
    likelihood === 'categorical' &&
    labels.rank === outputShape.length - 1 &&
    labelsPerSample.every((size, i) => size === perSample[i])
  ) {
    // oneHot(..., 'float32') on tfjs-backend-wasm 4.22 writes the int bit patterns (1 -> 1.4e-45): cast instead.
    return tf.tidy(() => tf.cast(tf.oneHot(tf.cast(labels, 'int32'), outputShape[outputShape.length - 1]!), 'float32'));
  }
  if (labelsPerSample.length !== perSample.length || labelsPerSample.some((size, i) => size !== perSample[i])) {
    const indices = likelihood === 'categorical' ? ` or class indices ${shapeText(['N', ...perSample.slice(0, -1)])}` : '';
    throw new EwcError(
      'DATA_MISMATCH',
      `labels have shape ${shapeText(labels.shape)} but the model's outputs are ${shapeText(outputShape)}; ` +
        `give labels shaped ${shapeText(['N', ...perSample])}${indices}.`,
    );
  }
  return tf.cast(labels, 'float32');
}

/**
 * Labels drawn from the model's own predictive distribution, one per sample, seeded: one-hot
 * categories (`logits`, `probabilities`) or means plus unit Gaussian noise (`mean`). For the `true` Fisher.
 */
export async function sampledTargets(outputs: tf.Tensor, kind: OutputKind, seed: number): Promise<tf.Tensor> {
  if (kind === 'mean') {
    const means = (await outputs.data()) as Float32Array;
    return tf.tensor(sampleGaussian(means, seed), outputs.shape, 'float32');
  }
  const classes = outputs.shape[outputs.rank - 1]!;
  const rows = outputs.size / classes;
  const probabilities = kind === 'logits' ? tf.softmax(outputs) : outputs;
  try {
    const values = (await probabilities.data()) as Float32Array;
    return tf.tensor(sampleCategorical(values, rows, classes, seed), outputs.shape, 'float32');
  } finally {
    if (probabilities !== outputs) probabilities.dispose();
  }
}
