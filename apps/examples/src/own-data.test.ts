import { execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEBIAN_FASHION_MNIST_DIRECTORY, loadIdxDataset } from '@holomind/data';
import { createDatabase, ExperimentRepository } from '@holomind/db';
import { StateStore } from '@holomind/state';
import { loadLatestCheckpoint } from './pipeline/checkpoint.js';
import type { DataVersions } from './pipeline/data-versions.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-own-data-'));
const fashionDirectory = process.env.HOLOMIND_FASHION_MNIST_DIR ?? DEBIAN_FASHION_MNIST_DIRECTORY;
const PER_CLASS = 200;

function fashionMissing(): string | undefined {
  if (existsSync(path.join(fashionDirectory, 'train-images-idx3-ubyte.gz'))) return undefined;
  const reason = `Fashion-MNIST not in ${fashionDirectory}: apt-get install -y dataset-fashion-mnist`;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(reason);
  console.warn(`SKIPPED: ${reason}`);
  return reason;
}
const missing = fashionMissing();

/** Runs the CLI without blocking the test worker (a long spawnSync starves vitest's RPC). */
function holomind(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { cwd: workspace, encoding: 'utf8', env: { ...process.env, HOLOMIND_QUIET: '1' }, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Rows of the printed accuracy matrix: `task i  a  b  -`, '-' for tasks not yet seen. */
function printedMatrix(output: string): Array<Array<number | null>> {
  return [...output.matchAll(/^task \d+ +(.+)$/gm)].map((match) =>
    match[1]!
      .trim()
      .split(/\s+/)
      .map((cell) => (cell === '-' ? null : Number(cell))),
  );
}

async function experimentOf(run: string) {
  const db = await createDatabase(`sqlite:${path.join(workspace, run, 'holomind.db')}`);
  try {
    const [experiment] = await new ExperimentRepository(db).list();
    const checkpoint = await loadLatestCheckpoint(new StateStore({ directory: path.join(workspace, run, 'states'), db }));
    return { experiment: experiment!, checkpoint };
  } finally {
    await db.destroy();
  }
}

// A real data set as a user would hold it: Fashion-MNIST's first 200 training images of each class,
// exported to CSV with the repository's own IDX reader (pixels 0-255, the label as the first column).
beforeAll(async () => {
  if (missing) return;
  const fashion = await loadIdxDataset(fashionDirectory, { kind: 'fashion-mnist' });
  const out = createWriteStream(path.join(workspace, 'fashion.csv'));
  out.write(`label,${Array.from({ length: 784 }, (_, j) => `pixel${j}`).join(',')}\n`);
  const taken = new Array<number>(10).fill(0);
  for (let i = 0; i < fashion.train.labels.length && taken.some((count) => count < PER_CLASS); i++) {
    const label = fashion.train.labels[i]!;
    if (taken[label]! >= PER_CLASS) continue;
    taken[label]!++;
    const pixels = Array.from(fashion.train.features.subarray(i * 784, (i + 1) * 784), (value) => Math.round(value * 255));
    out.write(`${label},${pixels.join(',')}\n`);
  }
  out.end();
  await once(out, 'finish');
}, 120_000);

const commonRun = [
  '--data',
  'fashion.csv',
  '--label-column',
  'label',
  '--strategy',
  'er',
  '--epochs',
  '1',
  '--seed',
  '3',
  '--backend',
  'wasm',
];

describe.skipIf(missing)('holomind train --data on a CSV of real Fashion-MNIST images', () => {
  it('trains class-incremental, prints the accuracy matrix and stores the data versions with the experiment', async () => {
    const run = await holomind([
      'train',
      ...commonRun,
      '--classes-per-task',
      '2',
      '--scenario',
      'class-incremental',
      '-o',
      'plain',
      '--db',
      'sqlite:plain/holomind.db',
    ]);
    expect(run.status, run.stderr).toBe(0);
    // The summary names the user's file, not the default benchmark.
    expect(run.stdout).toMatch(/^data:fashion\.csv \(class-incremental\), strategy er, backend wasm/m);
    const matrix = printedMatrix(run.stdout);
    console.log(
      `class-IL on 2,000 Fashion-MNIST rows from CSV, ER, 1 epoch:\n${run.stdout.slice(run.stdout.indexOf('Accuracy matrix'))}`,
    );
    // 5 tasks of 2 classes, lower-triangular: row i has accuracies on tasks 1..i, '-' after.
    expect(matrix).toHaveLength(5);
    matrix.forEach((row, i) => {
      expect(row.slice(0, i + 1).every((cell) => cell !== null && cell >= 0 && cell <= 100)).toBe(true);
      expect(row.slice(i + 1).every((cell) => cell === null)).toBe(true);
    });
    // The newest task is learned (chance among 10 classes is 10%); replay keeps some of the first.
    expect(matrix[4]![4]).toBeGreaterThan(50);

    const { experiment, checkpoint } = await experimentOf('plain');
    expect(experiment).toMatchObject({ status: 'completed', name: 'data:fashion.csv/er' });
    expect(checkpoint.progress.matrix.map((row) => row.map((value) => Number((value * 100).toFixed(2))))).toEqual(
      matrix.map((row) => row.filter((cell) => cell !== null)),
    );
    const data = experiment.dataVersions as unknown as DataVersions;
    expect(data.source).toMatch(/fashion\.csv \(CSV, 2000 rows of 784 features, 20% held out for test\)/);
    // Classes in order, two per task.
    expect(data.tasks.map((task) => task.classes.join(','))).toEqual(['0,1', '2,3', '4,5', '6,7', '8,9']);
    for (const task of data.tasks) {
      expect(task.version).toMatch(/^[0-9a-f]{64}$/);
      expect(task.inputsVersion).toBe(task.version); // no preprocessing: fed as loaded
      // 200 rows per class, 20% held out for test, 10% of the rest for validation.
      expect(task.splits.test!.count).toBe(80);
      expect(task.splits.train!.count + task.splits.val!.count).toBe(320);
      expect(task.splits.train!.featureMax).toBe(255);
    }
    expect(new Set(data.tasks.map((task) => task.version)).size).toBe(5);

    const shown = await holomind(['data', 'show', '-o', 'plain', '--db', 'sqlite:plain/holomind.db']);
    expect(shown.status, shown.stderr).toBe(0);
    for (const task of data.tasks) expect(shown.stdout).toContain(`[${task.classes.join(',')}]: version ${task.version}`);
    expect(shown.stdout).toMatch(/test +80 samples \(0:40 1:40\)/);
  }, 300_000);

  it('standardisation changes training, is saved in the checkpoint, and resume after a SIGKILL feeds bit-identical inputs', async () => {
    const config = path.join(workspace, 'standard.yaml');
    writeFileSync(config, 'preprocessing:\n  normalization: { method: standard }\n');
    const twoTasks = ['--class-order', '0,1,2,3,4,5,6,7,8,9', '--tasks', '2', '--scenario', 'class-incremental'];
    const [scaled, raw] = await Promise.all([
      holomind(['train', ...commonRun, ...twoTasks, '-c', config, '-o', 'scaled', '--db', 'sqlite:scaled/holomind.db']),
      holomind(['train', ...commonRun, ...twoTasks, '-o', 'raw', '--db', 'sqlite:raw/holomind.db']),
    ]);
    expect(scaled.status, scaled.stderr).toBe(0);
    expect(raw.status, raw.stderr).toBe(0);
    const [scaledMatrix, rawMatrix] = [printedMatrix(scaled.stdout), printedMatrix(raw.stdout)];
    console.log(
      `2 tasks of 5 classes, raw pixels 0-255: ${JSON.stringify(rawMatrix)}; standardised: ${JSON.stringify(scaledMatrix)}`,
    );
    // Same data, seed and model: only the transform differs, and the accuracies with it.
    const differences = scaledMatrix.flat().map((cell, i) => Math.abs((cell ?? 0) - (rawMatrix.flat()[i] ?? 0)));
    expect(Math.max(...differences)).toBeGreaterThan(1);

    const { experiment, checkpoint } = await experimentOf('scaled');
    const data = experiment.dataVersions as unknown as DataVersions;
    expect(data.preprocessing).toEqual({ normalization: { method: 'standard' } });
    expect(checkpoint.preprocessing?.statistics?.normalization).toMatchObject({ method: 'standard', scope: 'per-feature' });
    expect(checkpoint.preprocessing!.statistics!.normalization!.center).toHaveLength(784);
    for (const task of data.tasks) expect(task.inputsVersion).not.toBe(task.version);
    // Fitted on the training splits of all tasks together: their pooled mean is 0.
    const trainCount = data.tasks.reduce((sum, task) => sum + task.splits.train!.count, 0);
    const pooledMean =
      data.tasks.reduce((sum, task) => sum + task.splits.train!.count * task.splits.train!.featureMean, 0) / trainCount;
    expect(Math.abs(pooledMean)).toBeLessThan(1e-4);

    // Kill the standardised run during task 2, then resume: the checkpoint's fitted transform is
    // applied again and the fed data's hash must equal the recorded one (resume refuses otherwise).
    const child = spawn(
      process.execPath,
      [cli, 'train', ...commonRun, ...twoTasks, '-c', config, '-o', 'killed', '--db', 'sqlite:killed/holomind.db'],
      { cwd: workspace, env: { ...process.env, HOLOMIND_QUIET: '1' } },
    );
    let seen = '';
    const killed = await new Promise<boolean>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (/checkpoint v1/.test(seen) && child.exitCode === null) child.kill('SIGKILL');
      });
      child.on('exit', (_code, signal) => resolve(signal === 'SIGKILL'));
    });
    expect(killed, `the run finished before it could be killed:\n${seen}`).toBe(true);
    const resumed = await holomind(['resume', '-o', 'killed', '--db', 'sqlite:killed/holomind.db', '--backend', 'wasm']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/Resuming experiment/);
    const after = await experimentOf('killed');
    const recorded = after.experiment.dataVersions as unknown as DataVersions;
    expect(recorded.tasks.map((task) => task.inputsVersion)).toEqual(data.tasks.map((task) => task.inputsVersion));
    expect(after.checkpoint.preprocessing).toEqual(checkpoint.preprocessing);
    const finalRow = printedMatrix(resumed.stdout)[1]!;
    expect(finalRow).toHaveLength(2);
    // evaluate rebuilds the tasks with the checkpoint's transform: the same accuracies as the last row.
    const evaluated = await holomind(['evaluate', '-o', 'killed', '--db', 'sqlite:killed/holomind.db', '--backend', 'wasm']);
    expect(evaluated.status, evaluated.stderr).toBe(0);
    const perTask = [...evaluated.stdout.matchAll(/^task \d+ \[[\d,]+\]: ([\d.]+)%/gm)].map((match) => Number(match[1]));
    expect(perTask).toEqual(finalRow);
  }, 400_000);
});

describe('holomind train --data: bad input is a named error with the key and the fix', () => {
  beforeAll(() => {
    writeFileSync(
      path.join(workspace, 'small.csv'),
      `a,b,kind\n${Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 5},${i % 4}`).join('\n')}\n`,
    );
  });
  const run = (...args: string[]) =>
    holomind(['train', '--data', 'small.csv', '--backend', 'cpu', '-o', 'bad', '--db', 'sqlite:bad/holomind.db', ...args]);

  it('a label column that does not exist lists the columns', async () => {
    const result = await run('--label-column', 'class');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /--label-column \(data\.labelColumn\): labelColumn "class" is not a column of small\.csv; its columns are: a, b, kind\. Name one of them/,
    );
  });

  it('a class order that omits or repeats classes', async () => {
    const omits = await run('--label-column', 'kind', '--class-order', '0,1,2');
    expect(omits.status).toBe(1);
    expect(omits.stderr).toMatch(
      /--class-order \(data\.classOrder\) 0,1,2 omits 3\. List each of the data's 4 classes \(0-3\) exactly once, e\.g\. --class-order 0,1,2,3/,
    );
    const repeats = await run('--label-column', 'kind', '--class-order', '0,1,1,2,3,3');
    expect(repeats.status).toBe(1);
    expect(repeats.stderr).toMatch(/--class-order \(data\.classOrder\) 0,1,1,2,3,3 repeats 1, 3\. List each/);
  });

  it('classes that cannot be split into the asked tasks', async () => {
    const perTask = await run('--label-column', 'kind', '--classes-per-task', '3');
    expect(perTask.status).toBe(1);
    expect(perTask.stderr).toMatch(
      /--classes-per-task \(data\.classesPerTask\) 3: the data's 4 classes cannot be split into tasks of 3 classes each\. Use --classes-per-task 1 \| 2 \| 4/,
    );
    const tasks = await run('--label-column', 'kind', '--tasks', '3');
    expect(tasks.status).toBe(1);
    expect(tasks.stderr).toMatch(
      /The data's 4 classes cannot be split into 3 tasks \(--tasks \(training\.tasks\)\) of equal size\. Use --tasks 1 \| 2 \| 4/,
    );
  });

  it('a preprocessing section with an unknown method names the key, its line and the allowed methods', async () => {
    const config = path.join(workspace, 'unknown-method.yaml');
    writeFileSync(config, 'training:\n  epochs: 1\npreprocessing:\n  normalization:\n    method: zscore\n');
    const result = await run('--label-column', 'kind', '-c', config);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /unknown-method\.yaml:5: 'preprocessing\.normalization\.method': "zscore" is not allowed; use one of standard, minmax, robust/,
    );
    writeFileSync(config, 'preprocessing:\n  augmentation:\n    - { type: noise, std: 0.1 }\n    - { type: blur }\n');
    const augmentation = await run('--label-column', 'kind', '-c', config);
    expect(augmentation.stderr).toMatch(
      /unknown-method\.yaml:4: 'preprocessing\.augmentation\.1\.type': unknown augmentation "blur"; use one of noise, flip, rotation/,
    );
    // Nothing was trained or stored.
    expect(existsSync(path.join(workspace, 'bad', 'states'))).toBe(false);
  });
});
