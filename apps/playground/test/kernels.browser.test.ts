import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeDifference } from '@holomind/testing';
import type { AttentionCheck, FisherCheck, KernelChecks } from '../src/kernel-check.js';
import { browserSkipReason, launchChromium, recordAdapter, screenshotPath, serveBuiltPage } from './harness.js';

// float64 references, written from the definitions (not from the composite ops).

function attentionReference(check: AttentionCheck): { output: number[]; weights: number[] } {
  const { batch, heads, keyDim, slots, valueDim } = check.shape;
  const output = new Array<number>(batch * heads * valueDim).fill(0);
  const weights = new Array<number>(batch * heads * slots).fill(0);
  const norm = (vector: number[], start: number) => Math.max(Math.hypot(...vector.slice(start, start + keyDim)), 1e-8);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const q = (b * heads + h) * keyDim;
      const scores = Array.from({ length: slots }, (_, m) => {
        const k = (m * heads + h) * keyDim;
        let dot = 0;
        for (let i = 0; i < keyDim; i++) dot += check.query[q + i]! * check.keys[k + i]!;
        return check.similarity === 'cosine' ? (3 * dot) / (norm(check.query, q) * norm(check.keys, k)) : dot / Math.sqrt(keyDim);
      });
      const filled = scores.map((_, m) => check.mask[m]! > 0);
      const top = Math.max(...scores.filter((_, m) => filled[m]));
      const exps = scores.map((score, m) => (filled[m] ? Math.exp(score - top) : 0));
      const total = exps.reduce((sum, value) => sum + value, 0);
      exps.forEach((value, m) => {
        const weight = value / total;
        weights[(b * heads + h) * slots + m] = weight;
        for (let v = 0; v < valueDim; v++)
          output[(b * heads + h) * valueDim + v]! += weight * check.values[(m * heads + h) * valueDim + v]!;
      });
    }
  }
  return { output, weights };
}

function fisherReference(check: FisherCheck): { kernel: number[]; bias: number[] } {
  const { samples, inputSize, outputSize } = check;
  const kernel = new Array<number>(inputSize * outputSize).fill(0);
  const bias = new Array<number>(outputSize).fill(0);
  for (let n = 0; n < samples; n++) {
    for (let j = 0; j < outputSize; j++) {
      const g = check.gradients[n * outputSize + j]!;
      bias[j]! += (g * g) / samples;
      for (let i = 0; i < inputSize; i++) {
        const product = check.inputs[n * inputSize + i]! * g;
        kernel[i * outputSize + j]! += (product * product) / samples;
      }
    }
  }
  return { kernel, bias };
}

const skipReason = browserSkipReason();

describe.skipIf(skipReason)("the fused WGSL kernels in Chromium's WebGPU", () => {
  let server: Awaited<ReturnType<typeof serveBuiltPage>>;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let checks: KernelChecks;

  beforeAll(async () => {
    server = await serveBuiltPage();
    browser = await launchChromium({ webgpu: true });
    const page = await browser.context.newPage();
    await page.goto(`${server.url}kernels.html`);
    checks = await page.evaluate(() => (window as unknown as { runKernelChecks: () => Promise<KernelChecks> }).runKernelChecks());
    await page.screenshot({ path: screenshotPath('kernels') });
    recordAdapter('kernels', {
      backend: checks.backend,
      backendText: `${checks.backend} (adapter: ${checks.adapter.vendor} ${checks.adapter.architecture})`,
      note: null,
      matrixRows: 0,
      taskSeconds: [],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('run on the page’s WebGPU backend', () => {
    expect(checks.backend).toBe('webgpu');
  });

  it.each(['dot', 'cosine'] as const)(
    'memoryAttention (%s, masked slots) matches the float64 reference within 1e-4',
    (similarity) => {
      const check = checks.attention.find((candidate) => candidate.similarity === similarity)!;
      const reference = attentionReference(check);
      expect(maxRelativeDifference(check.output, reference.output, 1e-3)).toBeLessThan(1e-4);
      expect(maxRelativeDifference(check.weights, reference.weights, 1e-3)).toBeLessThan(1e-4);
      // Empty slots get no weight at all.
      const { slots } = check.shape;
      check.weights.forEach((weight, index) => {
        if (check.mask[index % slots] === 0) expect(weight).toBe(0);
      });
    },
  );

  it('fisherDiagonal matches the float64 (X∘X)ᵀ(G∘G)/N within 1e-4', () => {
    const reference = fisherReference(checks.fisher);
    expect(maxRelativeDifference(checks.fisher.kernel, reference.kernel, 1e-3)).toBeLessThan(1e-4);
    expect(maxRelativeDifference(checks.fisher.bias, reference.bias, 1e-3)).toBeLessThan(1e-4);
  });
});
