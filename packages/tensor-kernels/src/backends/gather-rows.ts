import * as tf from '@tensorflow/tfjs-core';
import { TensorKernelsError } from '../errors.js';
import { heapTensor, wasmHeap } from './wasm-heap.js';

/**
 * Rows `rows` of a host array of rows of `rowShape` as a new tensor [rows.length, ...rowShape]: a
 * training batch cut from a data set held in JavaScript. On wasm the rows are copied straight into
 * the tensor on tfjs's heap; elsewhere into a new array that `tf.tensor` takes. Building the batch in
 * a new JavaScript array first costs more than the copy on machines where fresh memory is slow to
 * touch: on the project's VM a new 400 KB Float32Array (a batch of 128 MNIST digits) took ~160 µs
 * before its first write, the rows' copy ~16 µs.
 */
export function gatherRows<T extends Float32Array | Int32Array>(
  values: T,
  rowShape: readonly number[],
  rows: ArrayLike<number>,
): tf.Tensor {
  const rowSize = rowShape.reduce((product, extent) => product * extent, 1);
  checkRows('gatherRows', rows, values.length / rowSize, `the array holds ${values.length / rowSize} rows of ${rowSize} values`);
  const shape = [rows.length, ...rowShape];
  const dtype = values instanceof Int32Array ? 'int32' : 'float32';
  const heap = wasmHeap();
  if (heap) {
    const output = heap.output(shape, dtype);
    copyRows(values, rowSize, rows, heap.view(output));
    return heapTensor(output);
  }
  const target = (dtype === 'int32' ? new Int32Array(rows.length * rowSize) : new Float32Array(rows.length * rowSize)) as T;
  copyRows(values, rowSize, rows, target);
  return tf.tensor(target, shape, dtype);
}

/**
 * Rows `rows` (along the first axis) of a float32 or int32 tensor as a new tensor: on wasm one copy
 * from the tensor's values to the new one's, both on tfjs's heap, with nothing read back to
 * JavaScript; elsewhere, and while a gradient is recorded, `tf.gather`. A source disposed meanwhile
 * is refused, naming the fix.
 */
export function gatherTensorRows(source: tf.Tensor, rows: ArrayLike<number>): tf.Tensor {
  if (source.isDisposed) {
    throw new TensorKernelsError(
      'INVALID_ARGUMENT',
      `gatherTensorRows: the source tensor [${source.shape.join(', ')}] was disposed; keep it alive while its rows are read (e.g. until training returns).`,
    );
  }
  checkRows('gatherTensorRows', rows, source.shape[0]!, `the tensor holds ${source.shape[0]} rows`);
  const heap = wasmHeap();
  // A copy on the heap records no gradient: while tfjs records one, tf.gather (differentiable).
  const onHeap = heap && !tf.engine().isTapeOn() && (source.dtype === 'float32' || source.dtype === 'int32');
  if (!onHeap || heap.offset(source) === undefined) {
    return tf.tidy(() => tf.gather(source, tf.tensor1d(Int32Array.from(rows), 'int32')));
  }
  const rowShape = source.shape.slice(1);
  const rowSize = rowShape.reduce((product, extent) => product * extent, 1);
  const output = heap.output([rows.length, ...rowShape], source.dtype);
  // Both views after the allocation: it may grow the heap, which replaces its buffer.
  copyRows(heap.view(source), rowSize, rows, heap.view(output));
  return heapTensor(output);
}

/**
 * `target` with its rows `rows` (along the first axis) replaced by the rows of `updates`, in order
 * (a row named twice takes the later update), as a new tensor: a memory's write of a training
 * step's rows into their slots. On wasm two copies on tfjs's heap (the target, then each row); the
 * same values as `tf.tensorScatterUpdate`, which runs elsewhere and while a gradient is recorded, and
 * which costs a write on wasm ~30 µs more in op checks and an index tensor. `updates` holds
 * `rows.length` rows of as many values as a row of `target` (its shape past the first axis may differ).
 */
export function scatterTensorRows(target: tf.Tensor, rows: ArrayLike<number>, updates: tf.Tensor): tf.Tensor {
  const rowShape = target.shape.slice(1);
  const rowSize = rowShape.reduce((product, extent) => product * extent, 1);
  if (updates.dtype !== target.dtype || updates.shape[0] !== rows.length || updates.size !== rows.length * rowSize) {
    throw new TensorKernelsError(
      'INVALID_ARGUMENT',
      `scatterTensorRows: updates is ${updates.dtype} [${updates.shape.join(', ')}], but ${rows.length} rows of ` +
        `${target.dtype} [${rowShape.join(', ')}] are to be written; pass one row of the target's size and dtype per index.`,
    );
  }
  checkRows('scatterTensorRows', rows, target.shape[0]!, `the target holds ${target.shape[0]} rows`);
  const heap = wasmHeap();
  const onHeap = heap && !tf.engine().isTapeOn() && (target.dtype === 'float32' || target.dtype === 'int32');
  if (!onHeap || heap.offset(target) === undefined || heap.offset(updates) === undefined) {
    return tf.tidy(() =>
      tf.tensorScatterUpdate(
        target,
        tf.tensor2d(Int32Array.from(rows), [rows.length, 1], 'int32'),
        tf.reshape(updates, [rows.length, ...rowShape]),
      ),
    );
  }
  const output = heap.output(target.shape, target.dtype as 'float32' | 'int32');
  // Views after the allocation: it may grow the heap, which replaces its buffer.
  const written = heap.view(output);
  written.set(heap.view(target));
  const source = heap.view(updates);
  for (let index = 0; index < rows.length; index++) {
    written.set(source.subarray(index * rowSize, (index + 1) * rowSize), rows[index]! * rowSize);
  }
  return heapTensor(output);
}

function checkRows(caller: string, rows: ArrayLike<number>, count: number, holds: string): void {
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]!;
    if (!Number.isInteger(row) || row < 0 || row >= count) {
      throw new TensorKernelsError(
        'INVALID_ARGUMENT',
        `${caller}: rows[${index}] is ${row}, but ${holds}; pass row indices in [0, ${count}).`,
      );
    }
  }
}

function copyRows(
  values: Float32Array | Int32Array,
  rowSize: number,
  rows: ArrayLike<number>,
  target: Float32Array | Int32Array,
) {
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]!;
    target.set(values.subarray(row * rowSize, (row + 1) * rowSize), index * rowSize);
  }
}
