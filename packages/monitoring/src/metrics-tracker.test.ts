import { describe, expect, it } from 'vitest';
import { MonitoringError } from './errors.js';
import { MetricsTracker } from './metrics-tracker.js';
import type { MetricPoint, MetricSink } from './types.js';

describe('MetricsTracker', () => {
  it('keeps points per metric, run and task, in log order, with steps defaulting to the next one', () => {
    let time = 5000;
    const tracker = new MetricsTracker({ runId: 'r1', now: () => time++ });
    tracker.log({ loss: 1, accuracy: 0.5 }, { taskId: 0 });
    tracker.log({ loss: 0.5 }, { taskId: 0 });
    tracker.log({ accuracy: 0.7 }, { taskId: 1, step: 10 });
    tracker.log({ loss: 0.25 }, { runId: 'r2' });
    expect(tracker.metricNames()).toEqual(['accuracy', 'loss']);
    expect(tracker.runIds()).toEqual(['r1', 'r2']);
    expect(tracker.taskIds()).toEqual(['0', '1']);
    expect(
      tracker.points().map((point) => [point.metric, point.runId, point.taskId, point.step, point.value, point.wallTime]),
    ).toEqual([
      ['loss', 'r1', '0', 0, 1, 5000],
      ['accuracy', 'r1', '0', 0, 0.5, 5000],
      ['loss', 'r1', '0', 1, 0.5, 5001],
      ['accuracy', 'r1', '1', 10, 0.7, 5002],
      ['loss', 'r2', null, 11, 0.25, 5003],
    ]);
    expect(tracker.series({ metric: 'loss', runId: 'r1' })).toMatchObject([{ taskId: '0', steps: [0, 1], values: [1, 0.5] }]);
    expect(tracker.series({ metric: 'loss', taskId: null })).toMatchObject([{ runId: 'r2', values: [0.25] }]);
  });

  it('bounds the history per series but keeps all-time statistics exact (float64 reference)', () => {
    const tracker = new MetricsTracker({ historyLimit: 100 });
    const values = Array.from({ length: 1000 }, (_, i) => Math.cos(i) * 10 + i / 100);
    values.forEach((value, step) => tracker.log({ loss: value }, { step }));
    tracker.log({ loss: Number.NaN }, { step: 1000 });
    const [series] = tracker.series({ metric: 'loss' });
    expect(series!.steps).toEqual(Array.from({ length: 100 }, (_, i) => 901 + i));
    expect(series!.values.slice(0, 99)).toEqual(values.slice(901));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    const statistics = series!.statistics;
    expect(statistics.count).toBe(1001);
    expect(statistics.nonFiniteCount).toBe(1);
    expect(statistics.mean).toBeCloseTo(mean, 10);
    expect(statistics.std).toBeCloseTo(std, 10);
    expect(statistics.min).toBe(Math.min(...values));
    expect(statistics.max).toBe(Math.max(...values));
    expect(statistics.last).toBeNaN();
    expect(statistics.lastStep).toBe(1000);
  });

  it('merges statistics across tasks exactly like one pass over all values', () => {
    const tracker = new MetricsTracker();
    const byTask = [
      [0.1, 0.5, 0.9],
      [0.3, 0.31],
      [0.95, 0.2, 0.6, 0.4],
    ];
    byTask.forEach((values, taskId) => values.forEach((value) => tracker.log({ accuracy: value }, { taskId })));
    const all = byTask.flat();
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const statistics = tracker.statistics({ metric: 'accuracy' });
    expect(statistics.mean).toBeCloseTo(mean, 14);
    expect(statistics.std).toBeCloseTo(Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length), 14);
    expect(statistics.last).toBe(0.4);
  });

  it('hands every point to sinks and listeners, and reports a failing sink from flush() without breaking log()', async () => {
    const received: MetricPoint[] = [];
    const reported: unknown[] = [];
    const goodSink: MetricSink = { writePoints: (points) => void received.push(...points) };
    const brokenSink: MetricSink = {
      writePoints() {
        throw new Error('disk full');
      },
    };
    const asyncBroken: MetricSink = { writePoints: async () => Promise.reject(new Error('connection reset')) };
    const tracker = new MetricsTracker({ sinks: [goodSink, brokenSink, asyncBroken], onError: (error) => reported.push(error) });
    const listened: number[] = [];
    const unsubscribe = tracker.subscribe((points) => listened.push(points.length));
    expect(() => tracker.log({ loss: 1, accuracy: 0.5 })).not.toThrow();
    unsubscribe();
    tracker.log({ loss: 0.9 });
    expect(received).toHaveLength(3);
    expect(listened).toEqual([2]);
    await expect(tracker.flush()).rejects.toSatisfy(
      (error) =>
        MonitoringError.isInstance(error) &&
        error.code === 'SINK_FAILED' &&
        /^4 sink or listener error\(s\) since the last flush; first: disk full/.test(error.message),
    );
    expect(reported).toHaveLength(4);
    await expect(tracker.flush()).resolves.toBeUndefined(); // errors are reported once
  });

  it('refuses values that are not numbers and bad steps, naming the metric and the fix', () => {
    const tracker = new MetricsTracker();
    expect(() => tracker.log({ loss: '0.5' as unknown as number })).toThrow(
      /metric 'loss' has value "0.5"; pass a number \(read tensors with await tensor.data\(\) first\)/,
    );
    expect(() => tracker.log({ loss: 1 }, { step: 1.5 })).toThrow(/step 1.5 must be a non-negative integer/);
    expect(() => tracker.log({ loss: 1 }, { taskId: Number.NaN })).toThrow(/taskId NaN/);
    expect(() => tracker.log({ loss: 1 }, { taskId: '' })).toThrow(/taskId "" is not a task; leave taskId out/);
    expect(() => new MetricsTracker({ historyLimit: 0 })).toThrow(/historyLimit must be an integer >= 1, got 0/);
    expect(() => tracker.defineMetric('loss', { goal: 'lower' as never })).toThrow(
      /goal "lower" must be 'maximize' or 'minimize'/,
    );
  });
});
