import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { webGpuRequired } from '@holomind/testing';
import { disposeBackend, initBackend, resolveBackendOrder } from './init-backend.js';
import { TensorKernelsError } from './errors.js';

afterEach(async () => {
  delete process.env.HOLOMIND_BACKEND;
  await disposeBackend();
});

describe('resolveBackendOrder', () => {
  it('defaults to webgpu, cuda, wasm, cpu', () => {
    expect(resolveBackendOrder()).toEqual(['webgpu', 'cuda', 'wasm', 'cpu']);
  });

  it('reads HOLOMIND_BACKEND as a comma-separated list', () => {
    process.env.HOLOMIND_BACKEND = 'wasm, cpu';
    expect(resolveBackendOrder()).toEqual(['wasm', 'cpu']);
  });

  it('lets the option win over HOLOMIND_BACKEND', () => {
    process.env.HOLOMIND_BACKEND = 'wasm';
    expect(resolveBackendOrder({ backends: 'cpu' })).toEqual(['cpu']);
  });

  it('rejects an unknown name and lists the valid ones', () => {
    let caught: unknown;
    try {
      resolveBackendOrder({ backends: ['wasm', 'metal' as never] });
    } catch (error) {
      caught = error;
    }
    expect(TensorKernelsError.isInstance(caught)).toBe(true);
    expect((caught as TensorKernelsError).code).toBe('UNKNOWN_BACKEND');
    expect((caught as Error).message).toMatch(/'metal'.*webgpu, cuda, wasm, cpu/);
  });

  it('rejects an unknown name from HOLOMIND_BACKEND, naming the variable', () => {
    process.env.HOLOMIND_BACKEND = 'gpu';
    expect(() => resolveBackendOrder()).toThrow(/Unknown backend 'gpu' in HOLOMIND_BACKEND='gpu'; valid names are/);
  });
});

describe('initBackend', () => {
  it('explains how to install tfjs-node-gpu when cuda is asked for and absent', async () => {
    const failure = initBackend({ backends: 'cuda' });
    await expect(failure).rejects.toMatchObject({ code: 'BACKEND_PACKAGE_MISSING' });
    await expect(failure).rejects.toThrow(/'@tensorflow\/tfjs-node-gpu'.*npm i @tensorflow\/tfjs-node-gpu/);
  });

  it('falls through to the next backend and records why the first failed', async () => {
    const info = await initBackend({ backends: ['cuda', 'cpu'] });
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.skipped).toHaveLength(1);
    expect(info.skipped[0]).toMatchObject({ name: 'cuda' });
    expect(info.skipped[0]!.reason).toMatch(/tfjs-node-gpu/);
  });

  it('starts wasm from the installed package with SIMD', async () => {
    const info = await initBackend({ backends: 'wasm' });
    expect(info).toMatchObject({ name: 'wasm', tfBackendName: 'wasm', isSoftware: true });
    expect(info.features).toContain('simd');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('starts webgpu on the machine adapter and reports it', async (context) => {
    let info;
    try {
      info = await initBackend({ backends: 'webgpu' });
    } catch (error) {
      if (webGpuRequired()) throw error;
      console.warn(`SKIPPED webgpu: ${(error as Error).message}`);
      context.skip();
      return;
    }
    console.info(`WebGPU adapter: ${JSON.stringify(info.adapter)} software=${info.isSoftware}`);
    expect(info.name).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(info.adapter?.vendor).not.toBe('');
    expect(info.limits.maxComputeWorkgroupStorageSize).toBeGreaterThanOrEqual(16384);
    expect(info.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    if (process.env.VK_DRIVER_FILES?.includes('.cache/webgpu')) expect(info.isSoftware).toBe(true);
  });

  it('can start a backend again after disposeBackend', async () => {
    await initBackend({ backends: 'cpu' });
    const first = tf.tensor1d([1, 2, 3]);
    first.dispose();
    await disposeBackend();
    const again = await initBackend({ backends: 'cpu' });
    expect(again.name).toBe('cpu');
    const sum = tf.sum(tf.tensor1d([1, 2, 3]));
    expect(await sum.data()).toEqual(new Float32Array([6]));
    tf.dispose(sum);
  });
});
