import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeBackend } from '@holomind/tensor-kernels';
import { parseConfig } from './config/load-config.js';
import { silentReporter, type TrainingReporter } from './pipeline/reporter.js';
import { runTraining } from './pipeline/run-training.js';

const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-permuted-'));
afterAll(() => disposeBackend());

/**
 * Permuted MNIST (domain-IL) with the hybrid's task inference: a reduced but real configuration
 * (real digits, 1,000 training and 300 test digits per permutation, one seed). The full protocol
 * and its numbers are `pnpm bench:cl`'s.
 */
function permutedConfig(strategy: string, folder: string) {
  return parseConfig({
    benchmark: 'permuted-mnist',
    strategy,
    seed: 5,
    backend: 'wasm',
    output: path.join(workspace, folder),
    db: `sqlite:${path.join(workspace, folder, 'holomind.db')}`,
    network: { extractorHidden: [200], columnHidden: [200] },
    training: { epochs: 2, batchSize: 64, tasks: 4, trainPerTask: 1000, testPerTask: 300 },
    replay: { budget: 200, batchSize: 64 },
    monitoring: { tensorboard: false },
  });
}

describe('Permuted MNIST, reduced: the hybrid infers the task from its episodic memory', () => {
  it('ranks above fine-tuning and not below DER++ with the same memory budget', async () => {
    const results: Record<string, number> = {};
    for (const strategy of ['finetune', 'derpp', 'holomind']) {
      results[strategy] = (await runTraining({ config: permutedConfig(strategy, strategy), reporter: silentReporter })).averageAccuracy;
    }
    console.log(`Permuted MNIST gate (reduced, seed 5): ${JSON.stringify(results)}`);
    expect(results.holomind! - results.finetune!).toBeGreaterThan(0.1);
    expect(results.holomind!).toBeGreaterThan(results.derpp! - 0.02);
  }, 600_000);

  it('a run stopped after task 2 resumes with its stored examples and ends as the uninterrupted run', async () => {
    const whole = await runTraining({ config: permutedConfig('holomind', 'whole'), reporter: silentReporter });
    const stopping: TrainingReporter = {
      ...silentReporter,
      endTask(taskIndex) {
        if (taskIndex === 1) throw new Error('stopped after task 2');
      },
    };
    const config = permutedConfig('holomind', 'stopped');
    await expect(runTraining({ config, reporter: stopping })).rejects.toThrow('stopped after task 2');
    const resumed = await runTraining({ config, resume: true, reporter: silentReporter });
    // Rows after task 3 and 4 classify through the restored memory: equal only if it was saved and restored exactly.
    expect(resumed.matrix).toEqual(whole.matrix);
    expect(whole.matrix[3]![0]).toBeGreaterThan(0.7);
  }, 600_000);
});
