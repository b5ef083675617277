import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '@holomind/db';
import { SqlMetricSink } from '@holomind/monitoring';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { maxRelativeDifference, startedWebGpu } from '@holomind/testing';
import { parseConfig } from './config/load-config.js';
import { silentReporter } from './pipeline/reporter.js';
import { runTraining } from './pipeline/run-training.js';

const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-webgpu-run-'));
afterAll(() => disposeBackend());

// Each run reaches a path that read back synchronously and so failed on WebGPU in Node
// ("OffscreenCanvas is not defined"), or summed with an addN past WebGPU's binding limit:
const RUNS = [
  // the memory's per-step writes, its stats, cleanup and the checkpoints; histograms
  { strategy: 'holomind', scenario: 'task-incremental', benchmark: 'split-mnist', holomind: { memoryRead: true } },
  // the episodic memory's write of the task's logits; the replay loss
  { strategy: 'holomind', scenario: 'class-incremental', benchmark: 'split-mnist' },
  // the teacher copied with toState
  { strategy: 'lwf', scenario: 'class-incremental', benchmark: 'split-mnist' },
  // task inference's classifier
  { strategy: 'holomind', scenario: 'domain-incremental', benchmark: 'permuted-mnist' },
] as const;

// The accuracy matrix, and the gradient norm logged every other step (the sum of one square per
// variable: past seven variables WebGPU's addN returned garbage).
async function trainOn(
  run: (typeof RUNS)[number],
  backend: 'webgpu' | 'wasm',
): Promise<{ matrix: number[][]; gradientNorms: number[] }> {
  const name = `${run.strategy}-${run.scenario}-${backend}`;
  const config = parseConfig({
    ...run,
    seed: 5,
    backend,
    mnist: 'small',
    output: path.join(workspace, name),
    db: `sqlite:${path.join(workspace, name, 'holomind.db')}`,
    network: { extractorHidden: [64], columnHidden: [32] },
    training: { epochs: 2, batchSize: 32, tasks: 3, trainPerTask: 192, testPerTask: 128 },
    replay: { budget: 60 },
    // Every hook often: losses and memory statistics each 2 steps, histograms each 3, evaluations each 4.
    monitoring: { stepEvery: 2, histogramEvery: 3, evaluateEvery: 4 },
    performance: { checkpointEvery: 1 },
  });
  const summary = await runTraining({ config, reporter: silentReporter });
  expect(summary.backend.name).toBe(backend);
  const db = await createDatabase(config.db);
  const sink = new SqlMetricSink(db);
  try {
    const points = await sink.readPoints({ runId: summary.experimentId });
    const gradientNorms = points.filter((point) => point.metric === 'train/gradient_norm').map((point) => point.value);
    return { matrix: summary.matrix, gradientNorms };
  } finally {
    await sink.close();
    await db.destroy();
  }
}

describe('the reference pipeline on WebGPU in Node (software adapter)', () => {
  for (const run of RUNS) {
    it(`runs ${run.strategy} (${run.scenario}) to the accuracies wasm reaches`, async (context) => {
      if (!(await startedWebGpu(() => initBackend({ backends: 'webgpu' }), 'the pipeline'))) return context.skip();
      const onWebGpu = await trainOn(run, 'webgpu');
      const onWasm = await trainOn(run, 'wasm');
      expect(onWebGpu.matrix.length).toBe(3);
      // float32 on two backends: a few of the 128 test digits per task may flip, no more.
      onWebGpu.matrix.forEach((row, i) =>
        row.forEach((accuracy, j) => expect(Math.abs(accuracy - onWasm.matrix[i]![j]!)).toBeLessThan(0.04)),
      );
      expect(onWebGpu.gradientNorms.length).toBeGreaterThan(10);
      expect(maxRelativeDifference(onWebGpu.gradientNorms, onWasm.gradientNorms)).toBeLessThan(1e-2);
    }, 600_000);
  }
});
