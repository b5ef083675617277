import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { AlertManager } from '../alert-manager.js';
import { ContinualEvaluator } from '../continual-evaluator.js';
import { MetricsTracker } from '../metrics-tracker.js';
import { ResourceSampler } from '../resource-sampler.js';
import type { DashboardSnapshot, MetricSink } from '../types.js';
import { DashboardData } from './dashboard-data.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function setup() {
  let time = 1_000_000;
  const snapshots: DashboardSnapshot[] = [];
  const snapshotStore: MetricSink = { writePoints() {}, writeSnapshot: (snapshot) => void snapshots.push(snapshot) };
  const tracker = new MetricsTracker({
    runId: 'run-1',
    now: () => time,
    sinks: [snapshotStore],
    metrics: { loss: { goal: 'minimize', unit: 'nats' }, accuracy: { goal: 'maximize' }, lr: {} },
  });
  const alerts = new AlertManager({ tracker, now: () => time, rules: [{ metric: 'loss', direction: 'above', warning: 3 }] });
  const evaluator = new ContinualEvaluator();
  const resources = new ResourceSampler({ now: () => time });
  const dashboard = new DashboardData({ tracker, alerts, evaluator, resources, trendWindow: 5, now: () => time });
  return { tracker, alerts, evaluator, resources, dashboard, snapshots, advance: (ms: number) => (time += ms) };
}

describe('DashboardData', () => {
  it('summarises each metric with statistics and a goal-aware trend over the window', () => {
    const { tracker, dashboard } = setup();
    // loss falls (improving for a minimised metric); accuracy falls too (degrading); lr is constant.
    for (let step = 0; step < 10; step++) tracker.log({ loss: 2 - step * 0.1, accuracy: 0.9 - step * 0.02, lr: 0.01 }, { step });
    const view = dashboard.getDashboardData();
    expect(view.metrics.loss).toMatchObject({ count: 10, min: 1.1, max: 2, last: 1.1, goal: 'minimize', unit: 'nats' });
    expect(view.metrics.loss!.mean).toBeCloseTo(1.55, 12);
    // Window = last 5 points (steps 5..9): slope −0.1 per step, change −0.4 over 4 steps.
    expect(view.metrics.loss!.trend.slope).toBeCloseTo(-0.1, 12);
    expect(view.metrics.loss!.trend.change).toBeCloseTo(-0.4, 12);
    expect(view.metrics.loss!.trend).toMatchObject({ direction: 'falling', assessment: 'improving', points: 5 });
    expect(view.metrics.accuracy!.trend).toMatchObject({ direction: 'falling', assessment: 'degrading' });
    expect(view.metrics.lr!.trend).toMatchObject({ direction: 'flat', assessment: 'stable' });
  });

  it('breaks metrics down per task and per run, and includes alerts, evaluation and resources', () => {
    const { tracker, dashboard, evaluator, resources } = setup();
    tracker.log({ accuracy: 0.5 }, { step: 0, taskId: 'A' });
    tracker.log({ accuracy: 0.7 }, { step: 1, taskId: 'A' });
    tracker.log({ accuracy: 0.2 }, { step: 1, taskId: 'B' });
    tracker.log({ loss: 5 }, { step: 2, runId: 'run-2' });
    evaluator.recordRow('A', { A: 0.7, B: 0.2 });
    resources.sample();
    const view = dashboard.getDashboardData();
    expect(Object.keys(view.perTask)).toEqual(['A', 'B']);
    expect(view.perTask.A!.accuracy).toMatchObject({
      count: 2,
      mean: 0.6,
      last: 0.7,
      trend: { direction: 'rising', assessment: 'improving' },
    });
    expect(view.perTask.B!.accuracy).toMatchObject({ count: 1, trend: { direction: 'unknown' } });
    expect(Object.keys(view.perRun).sort()).toEqual(['run-1', 'run-2']);
    expect(view.perRun['run-2']!.loss!.last).toBe(5);
    expect(view.alerts.summary).toMatchObject({ total: 1, bySeverity: { warning: 1 } });
    expect(view.alerts.recent[0]).toMatchObject({ metric: 'loss', runId: 'run-2' });
    expect(view.health).toBe('yellow');
    expect(view.evaluation!.matrix).toEqual([
      [0.7, 0.2],
      [null, null],
    ]);
    expect(view.resources!.tfNumTensors).toBe(0);
  });

  it('takes snapshots into memory and the sinks, periodically with an unref timer', async () => {
    const { tracker, dashboard, snapshots, advance } = setup();
    tracker.log({ loss: 1 }, { step: 0 });
    const first = dashboard.takeSnapshot();
    advance(1000);
    tracker.log({ loss: Number.NaN }, { step: 1 });
    dashboard.takeSnapshot();
    expect(snapshots).toHaveLength(2);
    expect(first).toMatchObject({ runId: 'run-1', wallTime: 1_000_000, health: 'green' });
    expect(snapshots[1]).toMatchObject({ wallTime: 1_001_000, health: 'red' });
    expect(dashboard.getDashboardData().snapshots).toHaveLength(2);

    dashboard.startSnapshots(10);
    await new Promise((resolve) => setTimeout(resolve, 100));
    dashboard.stopSnapshots();
    const count = snapshots.length;
    expect(count).toBeGreaterThan(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(snapshots.length).toBe(count); // stopped
  });
});
