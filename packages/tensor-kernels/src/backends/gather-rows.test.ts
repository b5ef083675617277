import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { expectErrorCode, seededValues, tensorsLeakedBy } from '@holomind/testing';
import { TensorKernelsError } from '../errors.js';
import { disposeBackend, initBackend } from '../init-backend.js';
import { gatherRows, gatherTensorRows } from './gather-rows.js';

afterAll(disposeBackend);

describe.each(['wasm', 'cpu'] as const)('gatherRows on %s', (backend) => {
  it('gives the chosen rows, in the order asked (repeats included), as float32 or int32 tensors', async () => {
    await initBackend({ backends: backend });
    const floats = seededValues(6 * 2 * 3, 1); // six rows of [2, 3]
    const ints = Int32Array.from(floats, (value) => Math.round(value * 1000));
    const rows = Int32Array.of(5, 0, 3, 3);
    for (const values of [floats, ints]) {
      const batch = gatherRows(values, [2, 3], rows);
      expect(batch.shape).toEqual([4, 2, 3]);
      expect(batch.dtype).toBe(values instanceof Int32Array ? 'int32' : 'float32');
      const expected = Array.from(rows).flatMap((row) => Array.from(values.subarray(row * 6, (row + 1) * 6)));
      expect(Array.from(batch.dataSync())).toEqual(expected);
      batch.dispose();
    }
    expect(await tensorsLeakedBy(() => gatherRows(floats, [6], [1, 2]).dispose())).toBe(0);
  });

  it('refuses a row outside the array, naming it', async () => {
    await initBackend({ backends: backend });
    const values = new Float32Array(12);
    const before = tf.memory().numTensors;
    const error = await expectErrorCode((async () => gatherRows(values, [4], [0, 3]))(), TensorKernelsError, 'INVALID_ARGUMENT');
    expect(error.message).toContain('rows[1] is 3');
    expect(error.message).toContain('[0, 3)');
    expect(tf.memory().numTensors).toBe(before);
  });
  it('gatherTensorRows gives what tf.gather gives, on wasm without a kernel or a read back, and refuses a disposed source', async () => {
    await initBackend({ backends: backend });
    const floats = tf.tensor3d(seededValues(6 * 2 * 3, 2), [6, 2, 3]);
    const ints = tf.tensor2d(
      Int32Array.from({ length: 12 }, (_, i) => i * 7 - 20),
      [6, 2],
      'int32',
    );
    const rows = [4, 4, 0, 5];
    for (const source of [floats, ints]) {
      const [gathered, reference] = [gatherTensorRows(source, rows), tf.gather(source, rows)];
      expect(gathered.shape).toEqual(reference.shape);
      expect(gathered.dtype).toBe(source.dtype);
      expect(gathered.dataSync()).toEqual(reference.dataSync());
      tf.dispose([gathered, reference]);
    }
    const profile = await tf.profile(() => tf.dispose(gatherTensorRows(floats, rows)));
    expect(profile.kernels.map(({ name }) => name)).toEqual(backend === 'wasm' ? [] : ['GatherV2']);
    expect(await tensorsLeakedBy(() => gatherTensorRows(floats, [1]).dispose())).toBe(0);
    // Where a gradient is recorded it flows back to the rows taken (twice for a row taken twice); on
    // wasm tfjs 4.22 has no kernel for tf.gather's gradient (UnsortedSegmentSum), so cpu shows it.
    if (backend === 'cpu') {
      const gradient = tf.grad((x: tf.Tensor) => tf.sum(gatherTensorRows(x, [2, 2, 0])))(floats);
      const perRow = [1, 0, 2, 0, 0, 0].flatMap((count) => new Array<number>(6).fill(count));
      expect(Array.from(gradient.dataSync())).toEqual(perRow);
      gradient.dispose();
    }
    const outside = await expectErrorCode((async () => gatherTensorRows(floats, [6]))(), TensorKernelsError, 'INVALID_ARGUMENT');
    expect(outside.message).toContain('gatherTensorRows: rows[0] is 6, but the tensor holds 6 rows');
    floats.dispose();
    const error = await expectErrorCode((async () => gatherTensorRows(floats, [0]))(), TensorKernelsError, 'INVALID_ARGUMENT');
    expect(error.message).toContain('was disposed');
    ints.dispose();
  });
});
