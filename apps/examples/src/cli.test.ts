import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDatabase, ExperimentRepository } from '@holomind/db';
import { SqlMetricSink } from '@holomind/monitoring';
import { StateStore } from '@holomind/state';
import { loadLatestCheckpoint } from './pipeline/checkpoint.js';
import { runCliUntilKilled } from './test-support/run-cli.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-cli-'));

// Short but real: Split MNIST, 3 tasks, 2 epochs, the shared-extractor holomind hybrid (EWC, memory
// read, DER++ replay; task-IL's default is columns alone, which has no replay memory to check).
const hybridConfig = path.join(workspace, 'hybrid.yaml');
writeFileSync(hybridConfig, 'holomind:\n  columns: false\n  ewc: true\n  memoryRead: true\n');
const shortRun = [
  '--config',
  hybridConfig,
  '--benchmark',
  'split-mnist',
  '--strategy',
  'holomind',
  '--tasks',
  '3',
  '--epochs',
  '2',
  '--train-per-task',
  '600',
  '--seed',
  '7',
  '--backend',
  'wasm',
];

function holomind(args: string[], cwd = workspace) {
  return spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, HOLOMIND_QUIET: '1' } });
}

function finalAverage(output: string): number {
  const match = /average accuracy ([\d.]+)%/.exec(output);
  if (!match) throw new Error(`no average accuracy in:\n${output}`);
  return Number(match[1]);
}

/** The classes the latest checkpoint's episodic memory holds (the replay part's stored labels). */
async function storedReplayClasses(output: string): Promise<number[]> {
  const db = await createDatabase(`sqlite:${path.join(output, 'holomind.db')}`);
  try {
    const checkpoint = await loadLatestCheckpoint(new StateStore({ directory: path.join(output, 'states'), db }));
    const labels = checkpoint.strategy.replay?.arrays.labels ?? new Int32Array(0);
    return [...new Set(labels)].sort((a, b) => a - b);
  } finally {
    await db.destroy();
  }
}

describe('holomind train / kill -9 / resume', () => {
  it("reaches the uninterrupted run's accuracy after a SIGKILL mid-task, with experiment, metrics and TensorBoard files", async () => {
    const uninterrupted = holomind(['train', ...shortRun, '--output', 'straight', '--db', 'sqlite:straight/holomind.db']);
    expect(uninterrupted.status, uninterrupted.stderr).toBe(0);
    expect(uninterrupted.stdout).toMatch(/Accuracy matrix/);
    expect(uninterrupted.stdout).toMatch(/Report: .*report\.html/);
    const expected = finalAverage(uninterrupted.stdout);

    // Start the same run and kill it with SIGKILL once task 2 is under way.
    const { killed, seen } = await runCliUntilKilled(
      ['train', ...shortRun, '--output', 'crashed', '--db', 'sqlite:crashed/holomind.db'],
      workspace,
      /task 2\/3 \[2,3\] epoch 1:/,
    );
    expect(killed, `the run finished before it could be killed:\n${seen}`).toBe(true);
    expect(seen).not.toMatch(/Accuracy matrix/);
    // The checkpoint the resume starts from holds the replay part's episodic memory: task 1's digits.
    const atCrash = await storedReplayClasses(path.join(workspace, 'crashed'));
    expect(atCrash).toEqual([0, 1]);

    const resumed = holomind(['resume', '--output', 'crashed', '--db', 'sqlite:crashed/holomind.db', '--backend', 'wasm']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/Resuming experiment/);
    expect(Math.abs(finalAverage(resumed.stdout) - expected)).toBeLessThanOrEqual(1);

    // The resumed run went on writing the same memory: every digit of the three tasks is stored.
    expect(await storedReplayClasses(path.join(workspace, 'crashed'))).toEqual([0, 1, 2, 3, 4, 5]);

    const db = await createDatabase(`sqlite:${path.join(workspace, 'crashed', 'holomind.db')}`);
    try {
      const experiments = new ExperimentRepository(db);
      const [experiment] = await experiments.list();
      expect(experiment).toMatchObject({ status: 'completed', name: 'split-mnist/holomind' });
      const metrics = new SqlMetricSink(db);
      const history = await metrics.readPoints({ runId: experiment!.id, metric: 'current_task/test_accuracy' });
      expect(new Set(history.map((point) => point.taskId))).toEqual(new Set(['task-0', 'task-1', 'task-2']));
      // One step scheme across the crash: taskIndex × epochs + epoch, increasing with each task.
      expect([...new Set(history.map((point) => point.step))].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
      await metrics.close();
    } finally {
      await db.destroy();
    }
    const boards = path.join(workspace, 'crashed', 'tensorboard');
    const files = readdirSync(boards, { recursive: true })
      .map(String)
      .filter((name) => name.includes('tfevents'));
    expect(files.length).toBeGreaterThan(0);
  }, 300_000);
});

describe('holomind bad input', () => {
  it('explains a missing data folder and how to get the data', () => {
    const result = holomind([
      'train',
      '--benchmark',
      'split-fashion-mnist',
      '--data-dir',
      path.join(workspace, 'nowhere'),
      '--backend',
      'cpu',
      '--db',
      'sqlite:bad/holomind.db',
      '--output',
      'bad',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Fashion-MNIST is not in .*nowhere.*apt-get install dataset-fashion-mnist.*--data-dir/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the key and line of a malformed YAML file', () => {
    const config = path.join(workspace, 'broken.yaml');
    writeFileSync(config, 'training:\n  epochs: 2\n  batchSize: [1, 2\nmemory:\n  slots: 8\n');
    const result = holomind(['train', '--config', config]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/broken\.yaml:\d+ is not valid YAML/);
    writeFileSync(config, 'training:\n  epochs: 2\nmemory:\n  slots: -8\n');
    const invalid = holomind(['train', '--config', config]);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(/broken\.yaml:4: 'memory\.slots'/);
  });

  it('fails before training when the database cannot be reached', () => {
    const result = holomind([
      'train',
      '--db',
      'postgres://holomind:secret@127.0.0.1:1/holomind',
      '--output',
      'unreachable',
      '--backend',
      'cpu',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /Cannot use the PostgreSQL database postgres:\/\/holomind:\*\*\*@127\.0\.0\.1:1\/holomind.*Nothing was trained/,
    );
    expect(result.stdout).not.toMatch(/task 1/);
    expect(existsSync(path.join(workspace, 'unreachable', 'states'))).toBe(false);
  });
});
