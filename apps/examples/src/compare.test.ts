import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliUntilKilled } from './test-support/run-cli.js';

// `holomind compare` end to end on a small real run: two strategies, two seeds, 2 tasks of Split MNIST.
const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-compare-'));
const quickRun = ['--tasks', '2', '--epochs', '1', '--train-per-task', '200', '--test-per-task', '100', '--backend', 'cpu'];

interface CompareJson {
  complete: boolean;
  strategies: Array<{ strategy: string; accuracy: { mean: number; std: number } }>;
  runs: Array<{ strategy: string; seed: number; averageAccuracy: number; matrix: number[][] }>;
}

const compareArgs = (folder: string) => [
  'compare',
  ...quickRun,
  '--strategies',
  'finetune,er',
  '--seeds',
  '0,1',
  '-o',
  folder,
  '--db',
  `sqlite:${folder}/holomind.db`,
  '--json',
  `${folder}.json`,
];

describe('holomind compare', () => {
  it('prints and writes mean ± sample std per strategy over its seeds, from each run’s accuracy matrix', async () => {
    const run = await runCli(compareArgs('both'), workspace);
    expect(run.status, run.stderr).toBe(0);
    const document = JSON.parse(readFileSync(path.join(workspace, 'both.json'), 'utf8')) as CompareJson;
    expect(document.complete).toBe(true);
    expect(document.runs.map(({ strategy, seed }) => `${strategy}/${seed}`)).toEqual([
      'finetune/0',
      'finetune/1',
      'er/0',
      'er/1',
    ]);
    for (const strategy of ['finetune', 'er']) {
      // Each run's average accuracy is the mean of its matrix's last row; the row is their mean and n − 1 std.
      const accuracies = document.runs
        .filter((entry) => entry.strategy === strategy)
        .map((entry) => {
          const last = entry.matrix.at(-1)!;
          expect(entry.averageAccuracy).toBeCloseTo(last.reduce((sum, value) => sum + value, 0) / last.length, 12);
          return 100 * entry.averageAccuracy;
        });
      const mean = (accuracies[0]! + accuracies[1]!) / 2;
      const std = Math.abs(accuracies[0]! - accuracies[1]!) / Math.SQRT2;
      const row = document.strategies.find((entry) => entry.strategy === strategy)!;
      expect(row.accuracy.mean).toBeCloseTo(mean, 10);
      expect(row.accuracy.std).toBeCloseTo(std, 10);
      expect(run.stdout).toContain(`| ${strategy} | ${mean.toFixed(2)} ± ${std.toFixed(2)} |`);
    }
  }, 300_000);

  it('keeps the runs already done in its JSON when killed before the last', async () => {
    const killed = await runCliUntilKilled(compareArgs('killed'), workspace, /training finetune \(seed 1\)/);
    expect(killed.killed).toBe(true);
    const document = JSON.parse(readFileSync(path.join(workspace, 'killed.json'), 'utf8')) as CompareJson;
    expect(document.complete).toBe(false);
    expect(document.runs.map(({ strategy, seed }) => `${strategy}/${seed}`)).toEqual(['finetune/0']);
    expect(document.strategies.map((row) => row.strategy)).toEqual(['finetune']);
  }, 300_000);
});
