import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { findTensorBoardPython, readTensorBoardEvents } from '@holomind/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedStatistics } from '../tensor-statistics.js';
import { TensorBoardWriter } from './tensorboard-writer.js';

// TensorBoard's own reader: the `tensorboard` Python package's EventAccumulator (and its HParams
// plugin_data_pb2 for the hparams records), run on the files our writer made. The package comes
// from the wheels this machine kind keeps in /opt/pypi/files (pip installs offline into a venv
// under .cache/, see findTensorBoardPython); where neither it nor HOLOMIND_TENSORBOARD_PYTHON is
// there, the test says so and skips. apps/examples' tensorboard-run test reads a whole run's files.
describe("TensorBoard's EventAccumulator reads our event files", () => {
  let python: string | undefined;
  let skipReason: string | undefined;
  const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-tb-reader-'));

  beforeAll(async () => {
    ({ python, reason: skipReason } = await findTensorBoardPython());
    if (skipReason) console.warn(`SKIPPED TensorBoard EventAccumulator test: ${skipReason}`);
    await tf.setBackend('cpu');
  }, 240_000);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('sees per-step scalars, weight and gradient histograms, HParams session records, images and the config text', async (test) => {
    if (skipReason) return test.skip();
    const before = tf.memory().numTensors;
    const writer = new TensorBoardWriter(folder);
    writer.addHParams(
      { 'training.epochs': 2, strategy: 'ewc', 'ewc.normalize': true },
      { metricTags: ['final/average_accuracy'], groupName: 'run-1' },
    );
    writer.addText('config', '```json\n{"strategy":"ewc"}\n```', 0);
    const weights = tf.tidy(() => tf.variable(tf.randomNormal([8, 4], 0, 1, 'float32', 7), true, 'dense/kernel'));
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.square(tf.matMul(tf.ones([2, 8]), weights))) as tf.Scalar,
      [weights],
    );
    const losses: Array<[number, number]> = [];
    for (let step = 1; step <= 30; step++) {
      const loss = 2 / step;
      losses.push([step, Math.fround(loss)]);
      writer.addScalar('train/loss', loss, step);
      if (step % 10 === 0) {
        writer.addHistograms('weights', await namedStatistics([weights]), step);
        writer.addHistograms('gradients', await namedStatistics(grads), step);
      }
    }
    writer.addImage('accuracy_matrix', { width: 4, height: 2, channels: 3, data: new Uint8Array(24).fill(128) }, 30);
    writer.addScalar('final/average_accuracy', 0.875, 30);
    writer.endHParamsSession('success');
    writer.close();
    tf.dispose([weights, value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);

    const seen = await readTensorBoardEvents(python!, folder);
    expect(seen.scalars['train/loss']).toEqual(losses);
    expect(seen.scalars['final/average_accuracy']).toEqual([[30, 0.875]]);
    for (const kind of ['weights', 'gradients']) {
      const histogram = seen.histograms[`${kind}/dense/kernel`]!;
      expect(histogram.map(([step]) => step)).toEqual([10, 20, 30]);
      for (const [, count, min, max] of histogram) {
        expect(count).toBe(32);
        expect(min).toBeLessThanOrEqual(max);
      }
    }
    expect(seen.images.accuracy_matrix).toEqual([[30, 4, 2]]);
    expect(seen.text).toEqual(['config']);
    expect(seen.hparams.experiment).toEqual({
      hparams: ['training.epochs', 'strategy', 'ewc.normalize'],
      metrics: ['final/average_accuracy'],
    });
    expect(seen.hparams.session_start_info).toEqual({
      hparams: { 'training.epochs': 2, strategy: 'ewc', 'ewc.normalize': true },
      group_name: 'run-1',
    });
    expect(seen.hparams.session_end_info).toEqual({ status: 1 }); // STATUS_SUCCESS
  }, 60_000);
});
