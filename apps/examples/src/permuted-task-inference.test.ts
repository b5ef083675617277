import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '@holomind/db';
import { StateStore } from '@holomind/state';
import { disposeBackend } from '@holomind/tensor-kernels';
import { parseConfig } from './config/load-config.js';
import { loadLatestCheckpoint } from './pipeline/checkpoint.js';
import { silentReporter } from './pipeline/reporter.js';
import { runTraining } from './pipeline/run-training.js';
import { runCli, runCliUntilKilled } from './test-support/run-cli.js';

const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-permuted-'));
afterAll(() => disposeBackend());

/**
 * Permuted MNIST (domain-IL) with the hybrid's task inference, reduced but real (real digits, 1,000
 * training and 300 test digits per permutation, one seed). The full protocol and its numbers are
 * `pnpm bench:cl`'s.
 */
async function permutedRun(strategy: string) {
  const config = parseConfig({
    benchmark: 'permuted-mnist',
    strategy,
    seed: 5,
    backend: 'wasm',
    output: path.join(workspace, strategy),
    db: `sqlite:${path.join(workspace, strategy, 'holomind.db')}`,
    network: { extractorHidden: [200], columnHidden: [200] },
    training: { epochs: 2, batchSize: 64, tasks: 4, trainPerTask: 1000, testPerTask: 300 },
    replay: { budget: 200, batchSize: 64 },
    monitoring: { tensorboard: false },
  });
  return runTraining({ config, reporter: silentReporter });
}

describe('Permuted MNIST, reduced: the hybrid infers the task from its episodic memory', () => {
  it('forgets nothing (each column found for its digits) while fine-tuning forgets; not below DER++', async () => {
    const runs = {
      finetune: await permutedRun('finetune'),
      derpp: await permutedRun('derpp'),
      holomind: await permutedRun('holomind'),
    };
    const averages = Object.fromEntries(Object.entries(runs).map(([name, run]) => [name, run.averageAccuracy]));
    const forgetting = Object.fromEntries(Object.entries(runs).map(([name, run]) => [name, run.forgetting]));
    console.log(
      `Permuted MNIST gate (reduced, seed 5): accuracy ${JSON.stringify(averages)}, forgetting ${JSON.stringify(forgetting)}`,
    );
    // A frozen column answers as it did when trained, as long as its digits are sent to it.
    const { matrix } = runs.holomind;
    matrix.forEach((row, i) =>
      row.forEach((accuracy, j) => expect(Math.abs(accuracy - matrix[j]![j]!), `task ${j} after ${i}`).toBeLessThan(0.01)),
    );
    expect(runs.finetune.forgetting!).toBeGreaterThan(runs.holomind.forgetting! + 0.02);
    expect(averages.holomind! - averages.finetune!).toBeGreaterThan(0.03);
    expect(averages.holomind!).toBeGreaterThan(averages.derpp! - 0.02);
  }, 600_000);

  it('resumes after a SIGKILL with the stored digits of the tasks before it, ending as the uninterrupted run', async () => {
    const run = ['--benchmark', 'permuted-mnist', '--strategy', 'holomind', '--tasks', '3', '--epochs', '2'];
    const shortRun = [...run, '--train-per-task', '600', '--test-per-task', '200', '--seed', '9', '--backend', 'wasm'];
    const straight = await runCli(
      ['train', ...shortRun, '--output', 'straight', '--db', 'sqlite:straight/holomind.db'],
      workspace,
    );
    expect(straight.status, straight.stderr).toBe(0);

    const { killed, seen } = await runCliUntilKilled(
      ['train', ...shortRun, '--output', 'killed', '--db', 'sqlite:killed/holomind.db'],
      workspace,
      /task 3\/3 .*epoch 1:/,
    );
    expect(killed, `the run finished before it could be killed:\n${seen}`).toBe(true);
    // The checkpoint holds the task-inference memory: digits of tasks 0 and 1, and of task 2 once it has started.
    const db = await createDatabase(`sqlite:${path.join(workspace, 'killed', 'holomind.db')}`);
    try {
      const checkpoint = await loadLatestCheckpoint(new StateStore({ directory: path.join(workspace, 'killed', 'states'), db }));
      const tasks = checkpoint.strategy['task-inference']?.arrays.tasks ?? new Int32Array(0);
      // The kill lands just before or just after the checkpoint of task 3's first epoch.
      expect([
        [0, 1],
        [0, 1, 2],
      ]).toContainEqual([...new Set(tasks)].sort());
    } finally {
      await db.destroy();
    }

    const resumed = await runCli(
      ['resume', '--output', 'killed', '--db', 'sqlite:killed/holomind.db', '--backend', 'wasm'],
      workspace,
    );
    expect(resumed.status, resumed.stderr).toBe(0);
    const matrixOf = (output: string) => output.slice(output.indexOf('Accuracy matrix')).split('\n\n')[0];
    expect(matrixOf(resumed.stdout)).toMatch(/Accuracy matrix/);
    expect(matrixOf(resumed.stdout)).toEqual(matrixOf(straight.stdout));
  }, 600_000);
});
