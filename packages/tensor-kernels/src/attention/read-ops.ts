import * as tf from '@tensorflow/tfjs-core';
import { heapTensor, wasmHeap, type HeapModule } from '../backends/wasm-heap.js';
import { transposeMatrix } from '../backends/transpose-matrix.js';
import { READ_KERNELS_SHARED_WASM, READ_KERNELS_WASM } from './read-kernels-wasm.js';

// The element-wise chains of an attention read (@holomind/memory's fused read) and its gradient.
// On wasm each is one pass of read-kernels.wat over the heap; elsewhere, wherever that cannot run,
// and while tfjs records a gradient (so each stays differentiable), the tfjs ops written beside it,
// which it equals bit for bit (tests). Measured inside a
// one-thread training step, each tfjs op of these chains costs ~5-10 µs however small its tensor.

const READ_KERNELS: HeapModule = { plain: READ_KERNELS_WASM, shared: READ_KERNELS_SHARED_WASM };

type Kernel = (...args: number[]) => number | void;

// The heap, the module's kernel `name` and every input's offset; undefined where the tfjs ops must
// run: another backend, other dtypes, shapes that would broadcast (`fits` false), or a gradient
// being recorded (a heap pass records none; inside a custom gradient's forward or backward, where
// the read calls these, nothing is recorded anyway).
function heapKernel(name: string, inputs: readonly tf.Tensor[], dtypes: readonly tf.DataType[], fits: boolean) {
  const heap = wasmHeap();
  if (!heap || !fits || tf.engine().isTapeOn() || inputs.some((input, index) => input.dtype !== dtypes[index])) {
    return undefined;
  }
  const offsets = inputs.map((input) => heap.offset(input));
  const kernel = heap.exports(READ_KERNELS)?.[name] as Kernel | undefined;
  if (!kernel || offsets.some((offset) => offset === undefined)) return undefined;
  return { heap, kernel, offsets: offsets as number[] };
}

const float32 = (count: number): tf.DataType[] => new Array<tf.DataType>(count).fill('float32');

function sameShape(tensor: tf.Tensor, other: tf.Tensor | number[]): boolean {
  return tf.util.arraysEqual(tensor.shape, other instanceof tf.Tensor ? other.shape : other);
}

/**
 * Each row of `x` (its last axis) divided by its norm clamped at `epsilon`, times `scale` when one
 * is given: `maximum(sqrt(sum(square(x), -1, true)), epsilon)`, `div`, `mul`; and that norm [..., 1].
 */
export function normalizeRows<T extends tf.Tensor>(x: T, epsilon: number, scale?: number): { normalized: T; norm: T } {
  const width = x.shape[x.rank - 1]!;
  const found = heapKernel('normalizeRows', [x], float32(1), x.rank > 0);
  if (!found) {
    return tf.tidy(() => {
      const norm = tf.maximum(tf.sqrt(tf.sum(tf.square(x), -1, true)), epsilon) as T;
      const normalized = tf.div(x, norm) as T;
      return { normalized: scale === undefined ? normalized : (tf.mul(normalized, scale) as T), norm };
    });
  }
  const { heap, kernel, offsets } = found;
  const normalized = heap.output(x.shape);
  const norm = heap.output([...x.shape.slice(0, -1), 1]);
  const rows = x.size / width;
  kernel(
    offsets[0]!,
    heap.offset(normalized)!,
    heap.offset(norm)!,
    rows,
    width,
    epsilon,
    scale ?? 1,
    scale === undefined ? 0 : 1,
  );
  return { normalized: heapTensor<T>(normalized), norm: heapTensor<T>(norm) };
}

/**
 * The gradient of {@link normalizeRows} (without a scale) with respect to x, from its outputs and
 * their gradient: (dNormalized − normalized · Σ normalized·dNormalized) / norm per row, the
 * projection dropped where the norm was clamped (there x / ε is linear).
 */
export function normalizeRowsGradient<T extends tf.Tensor>(normalized: T, dNormalized: T, norm: T, epsilon: number): T {
  const width = normalized.shape[normalized.rank - 1]!;
  const fits = sameShape(normalized, dNormalized) && sameShape(norm, [...normalized.shape.slice(0, -1), 1]);
  const found = heapKernel('normalizeRowsGradient', [normalized, dNormalized, norm], float32(3), fits);
  if (!found) {
    return tf.tidy(() => {
      const unclamped = tf.cast(tf.greater(norm, epsilon), 'float32');
      const radial = tf.mul(tf.mul(normalized, tf.sum(tf.mul(normalized, dNormalized), -1, true)), unclamped);
      return tf.div(tf.sub(dNormalized, radial), norm) as T;
    });
  }
  const { heap, kernel, offsets } = found;
  const result = heap.output(normalized.shape);
  kernel(...offsets, heap.offset(result)!, normalized.size / width, width, epsilon);
  return heapTensor<T>(result);
}

/** The gradient of a softmax over the last axis from its output w and dw: w · (dw − Σ w·dw) per row. */
export function softmaxGradient<T extends tf.Tensor>(weights: T, dWeights: T): T {
  const found = heapKernel('softmaxGradient', [weights, dWeights], float32(2), sameShape(weights, dWeights));
  if (!found) return tf.tidy(() => tf.mul(weights, tf.sub(dWeights, tf.sum(tf.mul(weights, dWeights), -1, true))) as T);
  const { heap, kernel, offsets } = found;
  const width = weights.shape[weights.rank - 1]!;
  const result = heap.output(weights.shape);
  kernel(...offsets, heap.offset(result)!, weights.size / width, width);
  return heapTensor<T>(result);
}

/**
 * What one read's attention weights [rows, slots] add to a memory's statistics: usage · decay + the
 * weights summed over rows (usage [slots]), and an int32 count `hits` plus the rows whose largest
 * weight reaches `threshold`. New tensors; the inputs are unchanged.
 */
export function trackReadWeights(
  usage: tf.Tensor1D,
  hits: tf.Scalar,
  weights: tf.Tensor2D,
  decay: number,
  threshold: number,
): { usage: tf.Tensor1D; hits: tf.Scalar } {
  const fits = weights.rank === 2 && sameShape(usage, [weights.shape[1]]) && hits.rank === 0;
  const found = heapKernel('trackReadWeights', [weights, usage, hits], ['float32', 'float32', 'int32'], fits);
  if (!found) {
    return tf.tidy(() => {
      // The sum over rows as a last-axis sum of the transpose: tfjs-backend-wasm sums over a leading
      // axis through its slow transpose of 128·k rows (the same sums, in the same order).
      const readWeight = tf.sum(transposeMatrix(weights), 1);
      const sharpest = tf.max(weights, 1);
      return {
        usage: tf.add(tf.mul(usage, decay), readWeight) as tf.Tensor1D,
        hits: tf.add(hits, tf.sum(tf.cast(tf.greaterEqual(sharpest, threshold), 'int32'))) as tf.Scalar,
      };
    });
  }
  const { heap, kernel, offsets } = found;
  const [rows, slots] = weights.shape;
  const newUsage = heap.output([slots]);
  const newHits = heap.output([], 'int32');
  const [weightsAt, usageAt, hitsAt] = offsets as [number, number, number];
  kernel(weightsAt, usageAt, heap.offset(newUsage)!, hitsAt, heap.offset(newHits)!, rows, slots, decay, threshold);
  return { usage: heapTensor<tf.Tensor1D>(newUsage), hits: heapTensor<tf.Scalar>(newHits) };
}
