import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { seededValues } from '@holomind/testing';
import { NetworkError } from './errors.js';
import { ProgressiveNetwork } from './progressive-network.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

async function trainedNetwork(): Promise<ProgressiveNetwork> {
  const network = new ProgressiveNetwork({
    inputShape: [8, 8, 1],
    extractor: { kind: 'conv', filters: [3], denseSize: 10 },
    column: { hiddenSizes: [6, 5], dropout: 0.1 },
    seed: 9,
  });
  for (const [index, taskId] of ['a', 'b'].entries()) {
    network.addTask(taskId, { outputSize: 2 + index });
    const inputs = tf.tensor4d(seededValues(24 * 64, index + 1), [24, 8, 8, 1]);
    const labels = tf.tensor1d(
      Array.from({ length: 24 }, (_, n) => n % (2 + index)),
      'int32',
    );
    await network.train({ taskId, inputs, labels }, { epochs: 1, batchSize: 8 });
    tf.dispose([inputs, labels]);
  }
  return network;
}

describe('ProgressiveNetwork state', () => {
  it('round-trips exactly: arrays, description, outputs, and what happens next', async () => {
    const network = await trainedNetwork();
    const state = network.toState();
    const restored = ProgressiveNetwork.fromState(structuredClone(state));
    expect(restored.toState()).toEqual(state);
    expect(restored.describe()).toEqual(network.describe());
    const inputs = tf.tensor4d(seededValues(5 * 64, 77), [5, 8, 8, 1]);
    for (const taskId of ['a', 'b']) {
      const [original, again] = [network.forward(inputs, taskId), restored.forward(inputs, taskId)];
      expect(Array.from(again.dataSync())).toEqual(Array.from(original.dataSync()));
      tf.dispose([original, again]);
    }
    // The random streams continue too: a third task starts and trains identically in both.
    for (const model of [network, restored]) {
      model.addTask('c', { outputSize: 2 });
      const labels = tf.tensor1d([0, 1, 0, 1, 1], 'int32');
      await model.train({ taskId: 'c', inputs, labels }, { epochs: 2, batchSize: 2 });
      labels.dispose();
    }
    expect(restored.toState()).toEqual(network.toState());
    inputs.dispose();
    network.dispose();
    restored.dispose();
  });

  it('refuses a state whose arrays do not fit its architecture', async () => {
    const network = await trainedNetwork();
    const state = network.toState();
    network.dispose();
    const before = tf.memory().numTensors;
    const truncated = { ...state, arrays: { ...state.arrays, 'columns.1.lateral1.scale': new Float32Array(0) } };
    expect(() => ProgressiveNetwork.fromState(truncated)).toThrow(
      "State array 'columns.1.lateral1.scale' must be a Float32Array of 1 values for this architecture, got Float32Array of 0; restore the state exactly as toState() returned it.",
    );
    const extra = { ...state, arrays: { ...state.arrays, 'columns.9.layer0.kernel': new Float32Array(4) } };
    expect(() => ProgressiveNetwork.fromState(extra)).toThrow(/'columns.9.layer0.kernel' match no parameter/);
    expect(tf.memory().numTensors).toBe(before); // a failed restore releases what it built
    let caught: unknown;
    try {
      ProgressiveNetwork.fromState({ ...state, format: 'other' as typeof state.format });
    } catch (error) {
      caught = error;
    }
    expect(NetworkError.isInstance(caught) && caught.code).toBe('STATE_MISMATCH');
  });
});
