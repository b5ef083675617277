import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '@holomind/db';
import { SqlMetricSink, type MetricPoint } from '@holomind/monitoring';
import { disposeBackend } from '@holomind/tensor-kernels';
import { findTensorBoardPython, readTensorBoardEvents } from '@holomind/testing';
import { parseConfig } from './config/load-config.js';
import { silentReporter } from './pipeline/reporter.js';
import { runTraining } from './pipeline/run-training.js';

// A real run's TensorBoard files, read by TensorBoard's own EventAccumulator (the `tensorboard`
// Python package, installed offline by findTensorBoardPython; the test skips with the reason where
// it cannot be), checked against the run's database.
const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-tensorboard-run-'));

describe("a run's TensorBoard files, read by TensorBoard's EventAccumulator", () => {
  let python: string | undefined;
  let skipReason: string | undefined;

  beforeAll(async () => {
    ({ python, reason: skipReason } = await findTensorBoardPython());
    if (skipReason) console.warn(`SKIPPED run TensorBoard test: ${skipReason}`);
  }, 240_000);
  afterAll(() => {
    disposeBackend();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('hold per-step scalars (each strategy term on its own, per-class memory counts), weight and gradient histograms and HParams', async (test) => {
    if (skipReason) return test.skip();
    const output = path.join(workspace, 'run');
    // Task-incremental holomind: EWC and DER++ replay both add a term from the second task on.
    const config = parseConfig({
      benchmark: 'split-mnist',
      strategy: 'holomind',
      // The shared-extractor hybrid (task-IL's default is columns alone, with no EWC, replay or read term).
      holomind: { columns: false, ewc: true, memoryRead: true },
      seed: 3,
      backend: 'wasm',
      output,
      db: `sqlite:${path.join(output, 'holomind.db')}`,
      network: { extractorHidden: [32], columnHidden: [16] },
      training: { tasks: 2, epochs: 1, batchSize: 32, trainPerTask: 256, testPerTask: 100 },
      replay: { budget: 40 },
      monitoring: { stepEvery: 1, histogramEvery: 4, evaluationSamples: 50 },
    });
    const summary = await runTraining({ config, reporter: silentReporter });

    const db = await createDatabase(config.db);
    let points: MetricPoint[];
    try {
      const reader = new SqlMetricSink(db);
      points = await reader.readPoints({ runId: summary.experimentId });
      await reader.close();
    } finally {
      await db.destroy();
    }
    const stored = (metric: string) =>
      points
        .filter((point) => point.metric === metric && point.taskId === null)
        .map((point): [number, number] => [point.step, Math.fround(point.value)]);
    const seen = await readTensorBoardEvents(python!, path.join(output, 'tensorboard', summary.experimentId));

    // Per-step scalars: every optimizer step (8 per task), the same values as the database's.
    const steps = Array.from({ length: 16 }, (_, i) => i + 1);
    expect(seen.scalars['train/loss']!.map(([step]) => step)).toEqual(steps);
    for (const tag of [
      'train/loss',
      'train/task_loss',
      'train/penalty',
      'train/gradient_norm',
      'train/term/replay',
      'train/term/ewc',
    ])
      expect(seen.scalars[tag], tag).toEqual(stored(tag));
    // Each part's term on its own from the second task on, adding up to the network's loss minus its task loss.
    const replay = new Map(seen.scalars['train/term/replay']!);
    const ewc = new Map(seen.scalars['train/term/ewc']!);
    expect([...replay.keys()]).toEqual(steps.slice(8));
    for (const [step, penalty] of seen.scalars['train/penalty']!) {
      const terms = (replay.get(step) ?? 0) + (ewc.get(step) ?? 0);
      expect(Math.abs(terms - penalty), `step ${step}: ${terms} vs ${penalty}`).toBeLessThan(1e-4 * Math.max(1, penalty));
    }
    // The episodic memory's stored examples per class over time: classes 0 and 1 fill the budget of 40
    // once the first task wrote them; after the second task's write (logged at its evaluation) the
    // class-balanced memory holds 10 of each of the four classes.
    const classes = [0, 1, 2, 3].map((label) => seen.scalars[`strategy/replay/class_count/${label}`]!);
    expect(classes.every((series) => series.length > 0)).toBe(true);
    const afterFirstTask = (series: [number, number][]) => series.find(([step]) => step >= steps[8]!)![1];
    expect(afterFirstTask(classes[0]!) + afterFirstTask(classes[1]!)).toBe(40);
    expect(classes.map((series) => series.at(-1)![1])).toEqual([10, 10, 10, 10]);
    expect(seen.scalars['task_accuracy/task_task-0']!.length).toBeGreaterThanOrEqual(2);

    // Weight and gradient histograms every 4 steps, one per trainable variable.
    const histogramTags = Object.keys(seen.histograms);
    const weights = histogramTags.filter((tag) => tag.startsWith('weights/'));
    const gradients = histogramTags.filter((tag) => tag.startsWith('gradients/'));
    expect(weights.length).toBeGreaterThan(0);
    expect(gradients.length).toBeGreaterThan(0);
    for (const tag of [...weights, ...gradients]) {
      expect(
        seen.histograms[tag]!.every(([step]) => step % 4 === 0),
        tag,
      ).toBe(true);
      for (const [, count, min, max] of seen.histograms[tag]!) {
        expect(count).toBeGreaterThan(0);
        expect(min).toBeLessThanOrEqual(max);
      }
    }

    // HParams: the configuration as hyperparameters, the session ended as a success; the config as text.
    expect(seen.hparams.experiment?.metrics).toContain('final/average_accuracy');
    expect(seen.hparams.session_start_info?.hparams).toMatchObject({ strategy: 'holomind', 'training.tasks': 2, seed: 3 });
    expect(seen.hparams.session_end_info).toEqual({ status: 1 });
    expect(seen.text).toContain('config');
    expect(Object.keys(seen.images)).toContain('accuracy_matrix');
  }, 180_000);
});
