import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { seededValues } from '@holomind/testing';
import { ProgressiveNetwork } from './progressive-network.js';

afterAll(disposeBackend);

const EXAMPLES = 24;

function network(): ProgressiveNetwork {
  const built = new ProgressiveNetwork({ inputShape: [10], extractor: { kind: 'mlp', hiddenSizes: [8] }, seed: 2 });
  built.addTask('a', { outputSize: 2 });
  return built;
}

// Every epoch of the pipeline is a train or resumeTraining call on the same tensors; reading the
// inputs back each time cost ~75 ms an epoch for 8,000 digits on wasm. On wasm batches are copied
// from the tensor on the heap (never read back); elsewhere the tensor is read once.
describe.each([
  ['wasm', 0],
  ['cpu', 1],
] as const)('training inputs on %s', (backend, reads) => {
  it(`are read back ${reads} time(s) across train, resumeTraining and evaluate, with the same result`, async () => {
    await initBackend({ backends: backend });
    const inputs = tf.tensor2d(seededValues(EXAMPLES * 10, 4), [EXAMPLES, 10]);
    const labels = tf.tensor1d(
      Array.from({ length: EXAMPLES }, (_, n) => n % 2),
      'int32',
    );
    const readInputs = { count: 0 };
    const read = inputs.data.bind(inputs);
    inputs.data = (() => {
      readInputs.count++;
      return read();
    }) as typeof inputs.data;

    const cached = network();
    const options = { epochs: 1, batchSize: 8, preserveState: true, optimizer: { name: 'adam' as const, learningRate: 0.01 } };
    await cached.train({ taskId: 'a', inputs, labels }, options);
    await cached.resumeTraining({ taskId: 'a', inputs, labels });
    const accuracy = (await cached.evaluate({ taskId: 'a', inputs, labels })).accuracy;
    expect(readInputs.count).toBe(reads);

    // The same two epochs from a copy of the tensor, read afresh: the same weights, bit for bit.
    const copy = tf.clone(inputs);
    const fresh = network();
    await fresh.train({ taskId: 'a', inputs: copy, labels }, options);
    await fresh.resumeTraining({ taskId: 'a', inputs: copy, labels });
    expect(cached.toState().arrays).toEqual(fresh.toState().arrays);
    expect((await fresh.evaluate({ taskId: 'a', inputs: copy, labels })).accuracy).toBe(accuracy);

    inputs.dispose();
    await expect(cached.resumeTraining({ taskId: 'a', inputs, labels })).rejects.toThrow(/disposed/i);
    tf.dispose([copy, labels]);
    cached.dispose();
    fresh.dispose();
  });
});
