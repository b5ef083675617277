import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedPackages, webGpuRequired, type PackedProject } from '@holomind/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('@holomind/tensor-kernels installed alone from its tarball', () => {
  let project: PackedProject;

  beforeAll(async () => {
    project = await installPackedPackages({
      packageDirs: [packageDir],
      registryDependencies: {
        '@tensorflow/tfjs-core': '4.22.0',
        '@tensorflow/tfjs-backend-cpu': '4.22.0',
        '@tensorflow/tfjs-backend-wasm': '4.22.0',
        '@tensorflow/tfjs-backend-webgpu': '4.22.0',
        webgpu: '0.6.2',
      },
    });
  });
  afterAll(() => project?.remove());

  it('initialises wasm, computes, and explains a missing cuda package', async () => {
    const output = await project.runScript(`
      import * as tf from '@tensorflow/tfjs-core';
      import { initBackend, disposeBackend } from '@holomind/tensor-kernels';
      const info = await initBackend({ backends: 'wasm' });
      const sum = tf.sum(tf.tensor1d([1, 2, 3, 4]));
      let cudaError = '';
      try { await initBackend({ backends: 'cuda' }); } catch (error) { cudaError = error.code; }
      console.log(JSON.stringify({ name: info.name, sum: (await sum.data())[0], cudaError }));
      await disposeBackend();
    `);
    expect(JSON.parse(output.trim().split('\n').pop()!)).toEqual({ name: 'wasm', sum: 10, cudaError: 'BACKEND_PACKAGE_MISSING' });
  });

  it('initialises webgpu and the process exits on its own after disposeBackend', async (context) => {
    // runScript resolves only when the child exits; without disposeBackend Dawn keeps it alive.
    const output = await project.runScript(`
      import * as tf from '@tensorflow/tfjs-core';
      import { initBackend, disposeBackend } from '@holomind/tensor-kernels';
      let info;
      try { info = await initBackend({ backends: 'webgpu' }); }
      catch (error) { console.log(JSON.stringify({ skipped: error.message })); process.exit(0); }
      const product = tf.matMul(tf.ones([8, 8]), tf.ones([8, 8]));
      console.log(JSON.stringify({ name: info.name, first: (await product.data())[0], adapter: info.adapter }));
      await disposeBackend();
    `);
    const result = JSON.parse(output.trim().split('\n').pop()!) as { skipped?: string; name?: string; first?: number };
    if (result.skipped) {
      if (webGpuRequired()) throw new Error(result.skipped);
      console.warn(`SKIPPED packed webgpu: ${result.skipped}`);
      return context.skip();
    }
    expect(result).toMatchObject({ name: 'webgpu', first: 8 });
  });
});
