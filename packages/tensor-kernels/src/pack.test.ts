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
        // Registers tfjs's gradients in plain Node (initBackend imports it when present).
        '@tensorflow/tfjs-layers': '4.22.0',
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

  it('runs the fused kernels, gradients included, from the installed package', async (context) => {
    const output = await project.runScript(`
      import * as tf from '@tensorflow/tfjs-core';
      import { initBackend, disposeBackend, memoryAttention, fisherDiagonal } from '@holomind/tensor-kernels';
      try { await initBackend({ backends: 'webgpu' }); }
      catch (error) { console.log(JSON.stringify({ skipped: error.message })); process.exit(0); }
      const query = tf.randomNormal([3, 2, 8]);
      const keys = tf.randomNormal([5, 2, 8]);
      const run = (implementation) => tf.grads((q, k, v) =>
        tf.sum(memoryAttention(q, k, v, { similarity: 'cosine', implementation }).output))([query, keys, keys]);
      const gap = async (a, b) => Math.max(...await Promise.all(a.map(async (x, i) => (await tf.max(tf.abs(tf.sub(x, b[i]))).data())[0])));
      const attentionGap = await gap(run('fused'), run('composite'));
      const x = tf.randomNormal([6, 8]);
      const g = tf.randomNormal([6, 4]);
      const fisher = (implementation) => fisherDiagonal(x, g, { implementation }).kernel;
      const fisherGap = (await tf.max(tf.abs(tf.sub(fisher('fused'), fisher('composite')))).data())[0];
      console.log(JSON.stringify({ attentionGap, fisherGap }));
      await disposeBackend();
    `);
    const result = JSON.parse(output.trim().split('\n').pop()!) as {
      skipped?: string;
      attentionGap?: number;
      fisherGap?: number;
    };
    if (result.skipped) {
      if (webGpuRequired()) throw new Error(result.skipped);
      console.warn(`SKIPPED packed fused kernels: ${result.skipped}`);
      return context.skip();
    }
    expect(result.attentionGap).toBeLessThan(1e-5);
    expect(result.fisherGap).toBeLessThan(1e-5);
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
