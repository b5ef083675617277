import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { seededValues } from '@holomind/testing';
import { ProgressiveNetwork } from './progressive-network.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

describe('TrainOptions.onGradients', () => {
  it('hands over the gradients each optimizer step applies: plain SGD moves every variable by exactly −rate × gradient', async () => {
    const count = 48;
    const inputs = tf.tensor2d(seededValues(count * 6, 3), [count, 6]);
    const labels = tf.tensor1d(
      Int32Array.from({ length: count }, (_, i) => i % 3),
      'int32',
    );
    const network = new ProgressiveNetwork({
      inputShape: [6],
      extractor: { kind: 'mlp', hiddenSizes: [5] },
      column: { hiddenSizes: [4] },
      seed: 1,
    });
    network.addTask('a', { outputSize: 3 });
    const before = new Map(network.trainableVariables().map((variable) => [variable.name, variable.dataSync().slice()]));
    const seen: Array<{ step: number; gradients: Map<string, Float32Array> }> = [];
    const tensorsBefore = tf.memory().numTensors;
    const rate = 0.5;
    await network.train(
      { taskId: 'a', inputs, labels },
      {
        epochs: 1,
        batchSize: count, // one optimizer step
        optimizer: { name: 'sgd', learningRate: rate },
        shuffle: false,
        onGradients: (gradients, step) =>
          seen.push({
            step,
            gradients: new Map(Object.entries(gradients).map(([name, g]) => [name, g.dataSync().slice() as Float32Array])),
          }),
      },
    );
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(seen.map((one) => one.step)).toEqual([1]);
    let checked = 0;
    for (const variable of network.trainableVariables()) {
      const gradient = seen[0]!.gradients.get(variable.name)!;
      const start = before.get(variable.name)!;
      const after = variable.dataSync();
      expect(gradient.length).toBe(after.length);
      let largest = 0;
      for (let i = 0; i < after.length; i++) largest = Math.max(largest, Math.abs(start[i]! - rate * gradient[i]! - after[i]!));
      expect(largest, variable.name).toBeLessThan(1e-5);
      checked++;
    }
    expect(checked).toBeGreaterThan(2);
    network.dispose();
    tf.dispose([inputs, labels]);
  });
});
