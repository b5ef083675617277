import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedPackages, type PackedProject } from '@holomind/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('@holomind/memory installed alone from its tarball', () => {
  let project: PackedProject;

  beforeAll(async () => {
    project = await installPackedPackages({
      packageDirs: [packageDir], // its workspace dependencies (tensor-kernels, core) come along
      registryDependencies: {
        '@tensorflow/tfjs-core': '4.22.0',
        '@tensorflow/tfjs-backend-wasm': '4.22.0',
      },
    });
  });
  afterAll(() => project?.remove());

  it('writes, reads, reports stats and restores its state', async () => {
    const output = await project.runScript(`
      import * as tf from '@tensorflow/tfjs-core';
      import { initBackend, disposeBackend } from '@holomind/tensor-kernels';
      import { ExternalMemory, MemoryError } from '@holomind/memory';
      await initBackend({ backends: 'wasm' });
      const memory = new ExternalMemory({ slots: 4, keySize: 3 });
      const rows = tf.tensor2d([[1, 0, 0], [0, 1, 0]]);
      memory.write(rows, [1, 2]);
      const read = memory.read(tf.tensor2d([[0, 1, 0]]));
      const restored = ExternalMemory.fromState(memory.toState());
      let code = '';
      try { memory.read(tf.zeros([1, 5])); } catch (error) { code = MemoryError.isInstance(error) ? error.code : 'other'; }
      const stats = restored.stats();
      console.log(JSON.stringify({ filled: stats.filled, reads: stats.reads, argmax: tf.argMax(read, 1).dataSync()[0], code }));
      await disposeBackend();
    `);
    expect(JSON.parse(output.trim().split('\n').pop()!)).toEqual({
      filled: 2,
      reads: 1,
      argmax: 1,
      code: 'QUERY_SHAPE_MISMATCH',
    });
  });
});
