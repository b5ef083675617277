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
