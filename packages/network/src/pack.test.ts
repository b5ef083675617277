import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedPackages, type PackedProject } from '@holomind/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('@holomind/network installed alone from its tarball', () => {
  let project: PackedProject;

  beforeAll(async () => {
    project = await installPackedPackages({
      packageDirs: [packageDir], // its workspace dependencies (memory, tensor-kernels, core) come along
      registryDependencies: {
        '@tensorflow/tfjs-core': '4.22.0',
        '@tensorflow/tfjs-backend-wasm': '4.22.0',
        '@tensorflow/tfjs-backend-cpu': '4.22.0',
        // Registers tfjs's gradients in plain Node (initBackend imports it when present).
        '@tensorflow/tfjs-layers': '4.22.0',
      },
    });
  });
  afterAll(() => project?.remove());

  it('trains two tasks with a memory, keeps the first frozen, and restores its state', async () => {
    const output = await project.runScript(`
      import * as tf from '@tensorflow/tfjs-core';
      import { initBackend, disposeBackend } from '@holomind/tensor-kernels';
      import { ExternalMemory } from '@holomind/memory';
      import { ProgressiveNetwork, NetworkError } from '@holomind/network';
      await initBackend({ backends: 'wasm' });
      const memory = new ExternalMemory({ slots: 16, keySize: 4 });
      const network = new ProgressiveNetwork({ inputShape: [6], extractor: { kind: 'mlp', hiddenSizes: [8] }, column: { hiddenSizes: [5] }, memory });
      const inputs = tf.randomUniform([20, 6], -1, 1, 'float32', 1);
      const labels = tf.tensor1d(Array.from({ length: 20 }, (_, n) => n % 2), 'int32');
      network.addTask('a', { outputSize: 2 });
      await network.train({ taskId: 'a', inputs, labels }, { epochs: 2, batchSize: 5 });
      const before = Array.from(network.forward(inputs, 'a').dataSync());
      network.addTask('b', { outputSize: 2 });
      memory.cleanup();
      const frozenWeights = JSON.stringify(Array.from(network.columnVariables('a')[0].dataSync()));
      await network.train({ taskId: 'b', inputs, labels }, { epochs: 2, batchSize: 5 });
      const restored = ProgressiveNetwork.fromState(network.toState());
      const same = JSON.stringify(Array.from(restored.forward(inputs, 'b').dataSync())) === JSON.stringify(Array.from(network.forward(inputs, 'b').dataSync()));
      let code = '';
      try { network.forward(inputs, 'c'); } catch (error) { code = NetworkError.isInstance(error) ? error.code : 'other'; }
      console.log(JSON.stringify({
        frozen: JSON.stringify(Array.from(network.columnVariables('a')[0].dataSync())) === frozenWeights,
        outputs: before.length, same, code, writes: memory.stats().writes > 0,
        laterals: network.describe().columns[1].laterals.length,
      }));
      await disposeBackend();
    `);
    expect(JSON.parse(output.trim().split('\n').pop()!)).toEqual({
      frozen: true,
      outputs: 40,
      same: true,
      code: 'UNKNOWN_TASK',
      writes: true,
      laterals: 1,
    });
  });

  it('explains that training needs gradients when nothing registered them', async () => {
    // No initBackend and no tfjs-layers import: tfjs-core alone registers no gradient.
    const output = await project.runScript(`
      import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-cpu';
      import { ProgressiveNetwork, NetworkError } from '@holomind/network';
      await tf.setBackend('cpu');
      const network = new ProgressiveNetwork({ inputShape: [3], column: { hiddenSizes: [2] } });
      network.addTask('a', { outputSize: 2 });
      const inputs = tf.ones([2, 3]);
      const forward = network.forward(inputs, 'a').shape;
      let code = '';
      try { await network.train({ taskId: 'a', inputs, labels: tf.tensor1d([0, 1], 'int32') }); } catch (error) { code = NetworkError.isInstance(error) ? error.code : String(error); }
      console.log(JSON.stringify({ forward, code }));
    `);
    expect(JSON.parse(output.trim().split('\n').pop()!)).toEqual({ forward: [2, 2], code: 'GRADIENTS_MISSING' });
  });
});
