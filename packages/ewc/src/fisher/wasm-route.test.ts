import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { tensorsLeakedBy } from '@holomind/testing';
import { naiveModelFisher, worstRelativeDifference } from '../../test/references.js';
import { denseClassifier, embeddingClassifier, seededData, seededTokens } from '../../test/models.js';
import { EwcError } from '../errors.js';
import { computeFisher } from './compute-fisher.js';

// On wasm the dense route swaps fisherDiagonal's transposed matMul and tfjs's matMul gradient for
// explicit transposes (dense-fisher.ts); these tests hold that route to the same naive reference.
beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

describe('computeFisher on the wasm backend', () => {
  it('dense MLP matches the naive per-sample loop within 1e-4 relative, leaking nothing', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const model = denseClassifier(31);
    const { inputs, labels } = seededData(19, [8], 3, 32);
    const oneHot = tf.oneHot(labels, 3);
    const expected = naiveModelFisher(model, inputs, oneHot, true);
    const leaked = await tensorsLeakedBy(async () => {
      const result = await computeFisher(model, { inputs, labels }, 'empirical', { batchSize: 8 });
      const { worst, variable } = worstRelativeDifference(result.fisher, expected);
      expect(worst, variable).toBeLessThan(1e-4);
    });
    expect(leaked).toBe(0);
    tf.dispose([inputs, labels, oneHot]);
    model.dispose();
  });

  // tfjs-backend-wasm 4.22 lacks Conv2DBackpropFilter and UnsortedSegmentSum: it can neither train
  // nor take the Fisher of Conv2D / Embedding layers (both are checked on cpu).
  it('explains, naming the layer, that wasm cannot take the gradients of an Embedding layer', async () => {
    const model = embeddingClassifier(33);
    const tokens = seededTokens(6, 5, 12, 34);
    const labels = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
    const leaked = await tensorsLeakedBy(async () => {
      const error = await computeFisher(model, { inputs: tokens, labels }, 'empirical').catch((caught: unknown) => caught);
      expect(EwcError.isInstance(error) && error.code).toBe('BACKEND_UNSUPPORTED');
      expect((error as Error).message).toMatch(
        /layer 'embedding_Embedding\d+' \(Embedding\) needs gradients the 'wasm' backend lacks \(no 'UnsortedSegmentSum' kernel\)/,
      );
    });
    expect(leaked).toBe(0);
    tf.dispose([tokens, labels]);
    model.dispose();
  });
});
