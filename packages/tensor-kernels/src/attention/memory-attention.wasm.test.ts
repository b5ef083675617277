import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAttentionChecks } from '../../test/attention-suite.js';
import { disposeBackend, initBackend } from '../init-backend.js';
import { memoryAttention } from './memory-attention.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

describeAttentionChecks('wasm', 'auto');

describe('memoryAttention on wasm', () => {
  it("refuses implementation 'fused'", () => {
    const query = tf.ones([1, 1, 4]) as tf.Tensor3D;
    expect(() => memoryAttention(query, query, query, { implementation: 'fused' })).toThrow(/current backend is 'wasm'/);
    query.dispose();
  });
});
