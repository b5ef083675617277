import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAttentionChecks } from '../../test/attention-suite.js';
import { disposeBackend, initBackend } from '../init-backend.js';
import { memoryAttention } from './memory-attention.js';

beforeAll(() => initBackend({ backends: 'cpu' }));
afterAll(disposeBackend);

describeAttentionChecks('cpu', 'auto');

describe('memoryAttention input errors', () => {
  // Created lazily: the backend starts in beforeAll, after describe bodies run.
  const q = () => tf.zeros([2, 4, 8]) as tf.Tensor3D;
  const k = () => tf.zeros([5, 4, 8]) as tf.Tensor3D;
  it.each([
    ['mismatched heads', () => memoryAttention(q(), tf.zeros([5, 3, 8]) as tf.Tensor3D, k()), /keys heads.*got 3, expected 4/],
    ['mismatched dims', () => memoryAttention(q(), tf.zeros([5, 4, 6]) as tf.Tensor3D, k()), /keys dim.*got 6, expected 8/],
    [
      'mismatched value slots',
      () => memoryAttention(q(), k(), tf.zeros([6, 4, 8]) as tf.Tensor3D),
      /values slots.*got 6, expected 5/,
    ],
    [
      'int32 query',
      () => memoryAttention(tf.zeros([2, 4, 8], 'int32') as tf.Tensor3D, k(), k()),
      /query must be float32, got int32/,
    ],
    [
      'int32 values',
      () => memoryAttention(q(), k(), tf.zeros([5, 4, 8], 'int32') as tf.Tensor3D),
      /values must be float32, got int32/,
    ],
    ['M = 0', () => memoryAttention(q(), tf.zeros([0, 4, 8]) as tf.Tensor3D, tf.zeros([0, 4, 8]) as tf.Tensor3D), /M = 0/],
    [
      'mask of the wrong length',
      () => memoryAttention(q(), k(), k(), { mask: tf.ones([4]) as tf.Tensor1D }),
      /mask length.*got 4, expected 5/,
    ],
    [
      'rank-2 query',
      () => memoryAttention(tf.zeros([2, 8]) as unknown as tf.Tensor3D, k(), k()),
      /query must have shape \[batch, heads, dim\], got \[2, 8\]/,
    ],
    [
      'unknown implementation',
      () => memoryAttention(q(), k(), k(), { implementation: 'gpu' as never }),
      /implementation must be one of 'auto', 'fused', 'composite', got "gpu"/,
    ],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(message);
  });

  it("refuses implementation 'fused' off WebGPU, naming the backend and the way out", () => {
    let caught: unknown;
    try {
      memoryAttention(q(), k(), k(), { implementation: 'fused' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'FUSED_KERNEL_UNAVAILABLE' });
    expect((caught as Error).message).toMatch(
      /current backend is 'cpu'.*implementation 'auto'.*initBackend\(\{ backends: 'webgpu' \}\)/,
    );
  });
});
