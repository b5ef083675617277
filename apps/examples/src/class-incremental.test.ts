import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeBackend } from '@holomind/tensor-kernels';
import { parseConfig } from './config/load-config.js';
import { silentReporter } from './pipeline/reporter.js';
import { runTraining } from './pipeline/run-training.js';

const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-class-il-'));
afterAll(() => disposeBackend());

/**
 * The reproduction gate, in the spirit of continual-learning-baselines' target results: a reduced
 * but real Split MNIST (real digits, 1,000 training and 300 test digits per task, three epochs, one
 * seed) in the class-incremental scenario. The full protocol and its numbers are `pnpm bench:cl`'s.
 */
async function averageAccuracy(strategy: string): Promise<number> {
  const config = parseConfig({
    benchmark: 'split-mnist',
    scenario: 'class-incremental',
    strategy,
    seed: 3,
    backend: 'wasm',
    output: path.join(workspace, strategy),
    db: `sqlite:${path.join(workspace, strategy, 'holomind.db')}`,
    network: { extractorHidden: [200], columnHidden: [200] },
    training: { epochs: 3, batchSize: 64, tasks: 5, trainPerTask: 1000, testPerTask: 300 },
    replay: { budget: 200 },
    monitoring: { tensorboard: false },
  });
  const summary = await runTraining({ config, reporter: silentReporter });
  return summary.averageAccuracy;
}

describe('class-incremental Split MNIST, reduced (ranking gate)', () => {
  it('replay strategies end far above fine-tuning, and the hybrid is not below its best component', async () => {
    const results: Record<string, number> = {};
    for (const strategy of ['finetune', 'ewc', 'er', 'derpp', 'holomind']) results[strategy] = await averageAccuracy(strategy);
    console.log(`class-IL gate (reduced Split MNIST, seed 3): ${JSON.stringify(results)}`);
    // Fine-tuning and EWC keep only the last task: about 1/5 of the classes.
    expect(results.finetune).toBeLessThan(0.3);
    expect(results.ewc).toBeLessThan(0.3);
    // Replay keeps every task: at least 30 points above fine-tuning.
    for (const replay of ['er', 'derpp', 'holomind']) expect(results[replay]! - results.finetune!).toBeGreaterThan(0.3);
    // In class-IL the hybrid is DER++ from a class-balanced memory; it may not fall more than 2 points below its parts.
    expect(results.holomind!).toBeGreaterThan(Math.max(results.ewc!, results.derpp!) - 0.02);
  }, 600_000);
});
