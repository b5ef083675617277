/**
 * A float64 forward pass of a Progressive Neural Network written straight from Rusu et al. 2016
 * (eq. 2, non-linear lateral adapters) over a state's named arrays; the network's tests compare
 * its TensorFlow.js forward pass with this. relu everywhere, MLP or no extractor, no memory.
 */
import type { ProgressiveNetworkState } from '../src/network-state.js';

type Matrix = { rows: number; columns: number; values: Float64Array };

function dense(input: Matrix, kernel: Float32Array, bias: Float32Array | undefined, outputs: number): Matrix {
  const result = new Float64Array(input.rows * outputs);
  for (let r = 0; r < input.rows; r++) {
    for (let o = 0; o < outputs; o++) {
      let sum = bias ? bias[o]! : 0;
      for (let i = 0; i < input.columns; i++) sum += input.values[r * input.columns + i]! * kernel[i * outputs + o]!;
      result[r * outputs + o] = sum;
    }
  }
  return { rows: input.rows, columns: outputs, values: result };
}

const relu = (m: Matrix): Matrix => ({ ...m, values: m.values.map((v) => Math.max(0, v)) });
const add = (a: Matrix, b: Matrix): Matrix => ({ ...a, values: a.values.map((v, i) => v + b.values[i]!) });

function concatScaled(parts: Matrix[], scales: Float32Array): Matrix {
  const columns = parts.reduce((sum, part) => sum + part.columns, 0);
  const rows = parts[0]!.rows;
  const values = new Float64Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    let offset = 0;
    parts.forEach((part, j) => {
      for (let c = 0; c < part.columns; c++) values[r * columns + offset + c] = scales[j]! * part.values[r * part.columns + c]!;
      offset += part.columns;
    });
  }
  return { rows, columns, values };
}

/** Logits [batch, outputSize] of column `target`, in float64. */
export function referenceForward(
  state: ProgressiveNetworkState,
  inputs: ArrayLike<number>,
  batch: number,
  target: number,
): Float64Array {
  const a = state.arrays;
  const width = inputs.length / batch;
  let features: Matrix = { rows: batch, columns: width, values: Float64Array.from(inputs) };
  const extractor = state.config.options.extractor;
  if (extractor.kind === 'mlp') {
    extractor.hiddenSizes.forEach((size, i) => {
      features = relu(dense(features, a[`extractor.dense${i}.kernel`]!, a[`extractor.dense${i}.bias`], size));
    });
  }
  const hidden: Matrix[][] = [];
  let logits: Matrix | undefined;
  for (let k = 0; k <= target; k++) {
    const task = state.config.tasks[k]!;
    const sizes = [...task.hiddenSizes, task.outputSize];
    const own: Matrix[] = [];
    let input = features;
    for (let layer = 0; layer < sizes.length; layer++) {
      if (k < target && layer === sizes.length - 1) break; // earlier columns only feed laterals
      let pre = dense(input, a[`columns.${k}.layer${layer}.kernel`]!, a[`columns.${k}.layer${layer}.bias`], sizes[layer]!);
      if (k > 0 && layer > 0 && task.lateral !== false) {
        const prefix = `columns.${k}.lateral${layer}`;
        const joined = concatScaled(
          hidden.map((column) => column[layer - 1]!),
          a[`${prefix}.scale`]!,
        );
        const reduceSize = a[`${prefix}.reduce.bias`]!.length;
        const reduced = relu(dense(joined, a[`${prefix}.reduce.kernel`]!, a[`${prefix}.reduce.bias`], reduceSize));
        pre = add(pre, dense(reduced, a[`${prefix}.project.kernel`]!, undefined, sizes[layer]!));
      }
      if (layer === sizes.length - 1) {
        logits = pre;
      } else {
        input = relu(pre);
        own.push(input);
      }
    }
    hidden.push(own);
  }
  return logits!.values;
}
