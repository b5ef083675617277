// Independent references the package is checked against: the Fisher by its definition, one
// backward pass per sample, each gradient read back and squared into float64 on the host.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/**
 * The naive per-sample Fisher: for each of `count` samples, one backward pass of that sample's loss
 * alone (batch of 1), gradients read to the host, squared and averaged in float64.
 */
export function naivePerSampleFisher(
  variables: readonly tf.Variable[],
  count: number,
  lossOfSample: (sample: number) => tf.Scalar,
): Map<string, Float64Array> {
  const sums = new Map(variables.map((variable) => [variable.name, new Float64Array(variable.size)]));
  for (let sample = 0; sample < count; sample++) {
    const { value, grads } = tf.variableGrads(() => lossOfSample(sample), [...variables]);
    for (const variable of variables) {
      const gradient = grads[variable.name];
      if (!gradient) continue;
      const values = gradient.dataSync();
      const sum = sums.get(variable.name)!;
      for (let i = 0; i < values.length; i++) sum[i]! += values[i]! * values[i]!;
    }
    tf.dispose([value, ...Object.values(grads)]);
  }
  for (const sum of sums.values()) for (let i = 0; i < sum.length; i++) sum[i]! /= count;
  return sums;
}

/** Avalanche's approximation by its definition: mean over minibatches of the squared minibatch-mean gradient, float64. */
export function naiveBatchedFisher(
  variables: readonly tf.Variable[],
  count: number,
  minibatchSize: number,
  meanLossOfRange: (start: number, size: number) => tf.Scalar,
): Map<string, Float64Array> {
  const sums = new Map(variables.map((variable) => [variable.name, new Float64Array(variable.size)]));
  let minibatches = 0;
  for (let start = 0; start < count; start += minibatchSize, minibatches++) {
    const size = Math.min(minibatchSize, count - start);
    const { value, grads } = tf.variableGrads(() => meanLossOfRange(start, size), [...variables]);
    for (const variable of variables) {
      const values = grads[variable.name]?.dataSync() ?? new Float32Array(variable.size);
      const sum = sums.get(variable.name)!;
      for (let i = 0; i < values.length; i++) sum[i]! += values[i]! * values[i]!;
    }
    tf.dispose([value, ...Object.values(grads)]);
  }
  for (const sum of sums.values()) for (let i = 0; i < sum.length; i++) sum[i]! /= minibatches;
  return sums;
}

/** −log p(label | logits) summed over the batch, written out plainly: log Σ exp(z) − z_label. */
export function crossEntropyFromLogits(logits: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return tf.sum(tf.sub(tf.logSumExp(logits, -1), tf.sum(tf.mul(oneHot, logits), -1)));
}

/** −log p(label) summed over the batch, from probabilities. */
export function crossEntropyFromProbabilities(probabilities: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return tf.neg(tf.sum(tf.mul(oneHot, tf.log(probabilities)))) as tf.Scalar;
}

/**
 * Largest |actual − expected| / max(|expected|, floor) over every variable, where floor is
 * `relativeFloor` × that variable's largest expected value (entries ~0 compare absolutely).
 */
export function worstRelativeDifference(
  actual: Map<string, ArrayLike<number>>,
  expected: Map<string, ArrayLike<number>>,
  relativeFloor = 1e-6,
): { worst: number; variable: string } {
  let result = { worst: 0, variable: '' };
  for (const [name, reference] of expected) {
    const values = actual.get(name);
    if (!values || values.length !== reference.length) throw new Error(`Fisher of '${name}' missing or of the wrong length`);
    let scale = 0;
    for (let i = 0; i < reference.length; i++) scale = Math.max(scale, Math.abs(reference[i]!));
    const floor = Math.max(scale * relativeFloor, 1e-30);
    for (let i = 0; i < reference.length; i++) {
      const difference = Math.abs(values[i]! - reference[i]!) / Math.max(Math.abs(reference[i]!), floor);
      if (difference > result.worst) result = { worst: difference, variable: name };
    }
  }
  if (process.env.EWC_PRINT_DIFFERENCES) console.log('worst relative difference', result);
  return result;
}

/** A model's trainable variables, in order. */
export function variablesOf(model: LayersModel): tf.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tf.Variable);
}

/** The naive Fisher of a categorical model through its own `model.apply`, with the given one-hot labels. */
export function naiveModelFisher(
  model: LayersModel,
  inputs: tf.Tensor,
  oneHot: tf.Tensor,
  probabilities: boolean,
): Map<string, Float64Array> {
  const crossEntropy = probabilities ? crossEntropyFromProbabilities : crossEntropyFromLogits;
  return naivePerSampleFisher(variablesOf(model), inputs.shape[0]!, (n) =>
    tf.tidy(() => crossEntropy(model.apply(tf.slice(inputs, n, 1), { training: false }) as tf.Tensor, tf.slice(oneHot, n, 1))),
  );
}
