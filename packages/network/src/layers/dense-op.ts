import * as tf from '@tensorflow/tfjs-core';
import { productWithTransposed, transposedProduct } from '@holomind/tensor-kernels';
import { activate, type Activation } from '../activations.js';

/**
 * Which ops a training forward pass records: `fused` (default) uses {@link denseActivation}'s
 * custom-gradient op, `composite` tfjs's own matMul + add + activation (the reference route).
 */
export type KernelRoute = 'fused' | 'composite';

/** How {@link denseActivation} runs. */
export interface DenseOpOptions {
  route: KernelRoute;
  /**
   * Whether `x` depends on a trained variable, so its gradient is needed. False skips the input's
   * gradient (one matMul of the backward); pass it only when `x` is data or frozen features.
   * With `x` given as parts, one flag per part: only the flagged parts' gradients are computed.
   */
  inputGradient: boolean | readonly boolean[];
}

// tf.fused.matMul takes these activations; tanh runs after a linear fused product.
const FUSABLE: ReadonlySet<Activation> = new Set<Activation>(['relu', 'elu', 'sigmoid', 'linear']);

/**
 * activation(x · kernel + bias): x [B, in], kernel [in, out], bias [out] → [B, out]. `x` may come
 * as parts [B, in_i] that it concatenates along the features (a column's input: the features beside
 * the memory read), so that a part whose gradient is not needed costs nothing in the backward: the
 * read's gradient alone is dz · transpose(its rows of the kernel), not the whole input's.
 *
 * The `fused` route runs the forward as one fused matMul (bias and activation inside) and records
 * one custom gradient whose backward avoids what is slow on tfjs-backend-wasm 4.22: a matMul with a
 * transposed operand runs 5-10x slower there than an explicit transpose plus a plain matMul, and a
 * sum over the batch axis transposes. So dW = transpose(x) · dz (`transposedProduct`), dx = dz ·
 * transpose(kernel) (`productWithTransposed`: for a wide layer as transpose(kernel · transpose(dz)),
 * which packs less), db = ones[1, B] · dz (dz is the right operand of dW too, which XNNPACK has
 * packed by then), with dz = dy · activation'(y) computed from the output y.
 */
export function denseActivation(
  x: tf.Tensor2D | readonly tf.Tensor2D[],
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D | undefined,
  activation: Activation,
  options: DenseOpOptions,
): tf.Tensor2D {
  const parts: readonly tf.Tensor2D[] = Array.isArray(x) ? x : [x];
  const joined = () => (parts.length === 1 ? parts[0]! : tf.concat(parts as tf.Tensor2D[], 1));
  if (options.route === 'composite') {
    const product = tf.matMul(joined(), kernel) as tf.Tensor2D;
    return activate(bias ? (tf.add(product, bias) as tf.Tensor2D) : product, activation);
  }
  // Without a tape there is nothing to record: run the fused forward alone.
  if (!isRecording()) return fusedForward(joined(), kernel, bias, activation);
  const { inputGradient } = options;
  const needsGradient = parts.map((_, part) => (typeof inputGradient === 'boolean' ? inputGradient : inputGradient[part]!));
  const inputs: tf.Tensor[] = [...parts.filter((_, part) => needsGradient[part]), kernel];
  if (bias) inputs.push(bias);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.at(-1) as tf.GradSaveFunc;
    const input = joined();
    const y = fusedForward(input, kernel, bias, activation, true);
    // A variable kernel is not saved: tfjs copies every saved tensor (on wasm a memcpy of the whole
    // matrix, 1.25 MB for 784×400, each step), and a variable outlives the backward pass unchanged,
    // since an optimizer assigns it only after the gradients are taken. A reshaped kernel (the conv
    // layer's) is a tensor of the forward pass and must be saved.
    const variableKernel = kernel instanceof tf.Variable;
    save(variableKernel ? [input, y] : [input, y, kernel]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [input, output, savedKernel] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D?];
        const weights = savedKernel ?? kernel;
        const dz = activationGradient(dy as tf.Tensor2D, output, activation);
        const widths = parts.map((part) => part.shape[1]);
        const grads: tf.Tensor[] = inputGradients(dz, weights, widths, needsGradient);
        grads.push(transposedProduct(input, dz));
        if (bias) grads.push(tf.reshape(tf.matMul(tf.ones([1, dz.shape[0]]), dz), [dz.shape[1]]));
        return grads;
      },
    };
  });
  return op(...inputs) as tf.Tensor2D;
}

// dz · transpose(kernel) for the input parts that need it: one product split by part when every part
// does, else one product per needed part over its rows of the kernel.
function inputGradients(dz: tf.Tensor2D, kernel: tf.Tensor2D, widths: number[], needed: boolean[]): tf.Tensor[] {
  if (needed.every(Boolean)) {
    const dx = productWithTransposed(dz, kernel);
    return widths.length === 1 ? [dx] : tf.split(dx, widths, 1);
  }
  const grads: tf.Tensor[] = [];
  let row = 0;
  widths.forEach((width, part) => {
    if (needed[part]) grads.push(productWithTransposed(dz, tf.slice(kernel, [row, 0], [width, -1])));
    row += width;
  });
  return grads;
}

// insideTape: called from a custom gradient's forward, where tf.fused.matMul would refuse to fuse
// an activation (it fuses only when no gradient is recorded), so the kernel is run directly.
function fusedForward(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D | undefined,
  activation: Activation,
  insideTape = false,
): tf.Tensor2D {
  const fused = FUSABLE.has(activation) ? (activation as 'relu' | 'elu' | 'sigmoid' | 'linear') : 'linear';
  const [rows, inner] = x.shape;
  const columns = kernel.shape[1];
  // The kernel takes rank-3 operands, as tf.fused.matMul passes them.
  const product = (
    insideTape
      ? tf.reshape(
          tf
            .engine()
            .runKernel(
              tf._FusedMatMul,
              { a: tf.reshape(x, [1, rows, inner]), b: tf.reshape(kernel, [1, inner, columns]), ...(bias ? { bias } : {}) },
              { transposeA: false, transposeB: false, activation: fused },
            ) as tf.Tensor,
          [rows, columns],
        )
      : tf.fused.matMul({ a: x, b: kernel, ...(bias ? { bias } : {}), activation: fused })
  ) as tf.Tensor2D;
  return fused === activation ? product : activate(product, activation);
}

// dy · activation'(z), written with the output y = activation(z).
function activationGradient(dy: tf.Tensor2D, y: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  switch (activation) {
    case 'relu':
      return tf.mul(dy, tf.step(y)) as tf.Tensor2D;
    case 'elu':
      // elu'(z) = 1 for z > 0, exp(z) = y + 1 otherwise.
      return tf.mul(dy, tf.where(tf.greater(y, 0), tf.onesLike(y), tf.add(y, 1))) as tf.Tensor2D;
    case 'tanh':
      return tf.mul(dy, tf.sub(1, tf.square(y))) as tf.Tensor2D;
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(1, y))) as tf.Tensor2D;
    case 'linear':
      return dy;
  }
}

// True inside tf.grads / tf.variableGrads, where ops are recorded for a backward pass.
function isRecording(): boolean {
  return tf.engine().isTapeOn();
}
