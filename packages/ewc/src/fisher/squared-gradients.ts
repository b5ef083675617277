import * as tf from '@tensorflow/tfjs-core';
import type { NamedParameter } from '../targets.js';

/** Per parameter name: Σ over samples of the squared per-sample gradient, same shape as the parameter. */
export type SquaredGradientSums = Map<string, tf.Tensor>;

/** Adds `addend` into `sums[name]`, disposing the old sum; `addend` is consumed. */
export function accumulate(sums: SquaredGradientSums, name: string, addend: tf.Tensor): void {
  const previous = sums.get(name);
  if (!previous) {
    sums.set(name, addend);
    return;
  }
  sums.set(name, tf.add(previous, addend));
  previous.dispose();
  addend.dispose();
}

/** Adds every entry of `more` into `sums`; `more`'s tensors are consumed. */
export function accumulateAll(sums: SquaredGradientSums, more: SquaredGradientSums): void {
  for (const [name, addend] of more) accumulate(sums, name, addend);
}

/** Adds the element-wise squared gradient of `loss` for each parameter (by name) to `sums`. */
export function accumulateSquaredGradients(
  sums: SquaredGradientSums,
  loss: () => tf.Scalar,
  variables: tf.Variable[],
  parameters: readonly NamedParameter[],
): void {
  const squares = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, variables);
    value.dispose();
    return parameters.flatMap(({ name, variable }) => {
      const gradient = grads[variable.name];
      return gradient ? [[name, tf.square(gradient)] as const] : [];
    });
  });
  for (const [name, square] of squares) accumulate(sums, name, square);
}

/** Disposes every tensor of the map. */
export function disposeSums(sums: SquaredGradientSums): void {
  for (const tensor of sums.values()) tensor.dispose();
  sums.clear();
}

/**
 * The exact per-sample route that works for any differentiable computation: one backward pass per
 * sample, `count` passes in all, each sample's squared gradient added on the device (no read-back).
 * Cost: `count` × (forward + backward of `lossOfSample` at batch 1); memory: one set of gradients.
 *
 * @param lossOfSample the loss of sample `n` alone, as a scalar built from the parameters' variables
 */
export function perSampleSquaredGradients(
  parameters: readonly NamedParameter[],
  count: number,
  lossOfSample: (sample: number) => tf.Scalar,
): SquaredGradientSums {
  const sums: SquaredGradientSums = new Map();
  const variables = parameters.map(({ variable }) => variable);
  try {
    for (let sample = 0; sample < count; sample++) {
      accumulateSquaredGradients(sums, () => lossOfSample(sample), variables, parameters);
    }
    return sums;
  } catch (error) {
    disposeSums(sums);
    throw error;
  }
}

/** Σ over samples of each squared gradient, as one value per parameter of `sums`, divided by `count`. */
export async function meanSquaredGradients(sums: SquaredGradientSums, count: number): Promise<Map<string, Float32Array>> {
  const means = new Map<string, Float32Array>();
  for (const [name, sum] of sums) {
    const mean = tf.div(sum, count);
    try {
      means.set(name, (await mean.data()) as Float32Array);
    } finally {
      mean.dispose();
    }
  }
  return means;
}
