import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { maxAbsoluteDifference, seededValues } from '@holomind/testing';
import { SeededRandom } from '@holomind/core';
import { ParameterStore } from '../parameters.js';
import { ProgressiveNetwork } from '../progressive-network.js';
import { Conv2dLayer } from './conv.js';

afterAll(disposeBackend);

describe('Conv2dLayer (im2col from slices)', () => {
  it('equals tf.conv2d with same padding plus bias, on the cpu backend', async () => {
    await initBackend({ backends: 'cpu' });
    for (const kernelSize of [1, 3, 5]) {
      const parameters = new ParameterStore(new SeededRandom(kernelSize));
      const layer = new Conv2dLayer('conv', [6, 5, 3], 4, kernelSize, parameters);
      layer.bias.assign(tf.tensor1d([0.1, -0.2, 0.3, 0.4]));
      const x = tf.tensor4d(seededValues(2 * 6 * 5 * 3, 9), [2, 6, 5, 3]);
      const reference = tf.add(tf.conv2d(x, layer.kernel as tf.Tensor4D, 1, 'same'), layer.bias);
      for (const route of ['fused', 'composite'] as const) {
        const ours = layer.apply(x, 'linear', { route, inputGradient: false });
        expect(ours.shape).toEqual([2, 6, 5, 4]);
        expect(maxAbsoluteDifference(ours.dataSync(), reference.dataSync())).toBeLessThan(1e-5);
        ours.dispose();
      }
      tf.dispose([x, reference]);
      parameters.dispose();
    }
  });

  it('trains on wasm, which has no Conv2DBackpropFilter kernel', async () => {
    await initBackend({ backends: 'wasm' });
    // Two classes of 8x8 images: energy in the top half or in the bottom half.
    const count = 64;
    const pixels = seededValues(count * 64, 5).map((v) => 0.2 * v);
    const labels = new Int32Array(count);
    for (let n = 0; n < count; n++) {
      labels[n] = n % 2;
      for (let row = 0; row < 4; row++)
        for (let col = 0; col < 8; col++) pixels[n * 64 + (labels[n] ? row + 4 : row) * 8 + col]! += 1;
    }
    const network = new ProgressiveNetwork({
      inputShape: [8, 8, 1],
      extractor: { kind: 'conv', filters: [4], poolSize: 2 },
      column: { hiddenSizes: [8] },
      seed: 1,
    });
    network.addTask('halves', { outputSize: 2 });
    const data = { taskId: 'halves', inputs: tf.tensor4d(pixels, [count, 8, 8, 1]), labels: tf.tensor1d(labels, 'int32') };
    const kernelBefore = Float32Array.from(network.sharedVariables()[0]!.dataSync());
    const result = await network.train(data, { epochs: 8, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 } });
    expect(result.epochLosses.at(-1)!).toBeLessThan(result.epochLosses[0]! / 2);
    expect(Array.from(network.sharedVariables()[0]!.dataSync())).not.toEqual(Array.from(kernelBefore));
    expect((await network.evaluate(data)).accuracy).toBeGreaterThanOrEqual(0.95);
    tf.dispose([data.inputs, data.labels]);
    network.dispose();
  });
});
