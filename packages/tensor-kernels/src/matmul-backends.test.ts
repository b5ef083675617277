import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { maxAbsoluteDifference, seededValues, webGpuRequired } from '@holomind/testing';
import { disposeBackend, initBackend } from './init-backend.js';
import type { BackendName } from './backends/backend-info.js';

// Sizes that are not multiples of any backend's tile size.
const M = 67;
const K = 129;
const N = 45;
const a = seededValues(M * K, 1);
const b = seededValues(K * N, 2);

function float64MatMul(): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += a[i * K + k]! * b[k * N + j]!;
      out[i * N + j] = sum;
    }
  }
  return out;
}

// float32 products summed over K=129 terms of magnitude <= 1: the worst rounding error is about
// K * 2^-24 * K ≈ 1e-3; a correct kernel lands far below it, a wrong index far above.
const TOLERANCE = 1e-4;

async function matMulOn(backend: BackendName): Promise<Float32Array | undefined> {
  try {
    await initBackend({ backends: backend });
  } catch (error) {
    if (backend === 'webgpu' && !webGpuRequired()) {
      console.warn(`SKIPPED webgpu matmul: ${(error as Error).message}`);
      return undefined;
    }
    throw error;
  }
  const before = tf.memory().numTensors;
  const product = tf.tidy(() => tf.matMul(tf.tensor2d(a, [M, K]), tf.tensor2d(b, [K, N])));
  const values = (await product.data()) as Float32Array;
  product.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return values;
}

describe('the same matmul on every backend', () => {
  afterAll(disposeBackend);
  const reference = float64MatMul();
  const results = new Map<BackendName, Float32Array>();

  for (const backend of ['cpu', 'wasm', 'webgpu'] as const) {
    it(`${backend} matches a float64 loop within ${TOLERANCE}`, async (context) => {
      const values = await matMulOn(backend);
      if (!values) return context.skip();
      results.set(backend, values);
      expect(maxAbsoluteDifference(values, reference)).toBeLessThan(TOLERANCE);
    });
  }

  it('wasm and webgpu agree with the cpu backend', (context) => {
    const cpu = results.get('cpu');
    if (!cpu) return context.skip();
    for (const [backend, values] of results) {
      expect(maxAbsoluteDifference(values, cpu), backend).toBeLessThan(TOLERANCE);
    }
  });
});
