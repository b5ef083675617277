import { describe, expect, it } from 'vitest';
import { PerformanceMonitor } from './performance-monitor.js';

describe('PerformanceMonitor', () => {
  it('counts captures and reconstructions overall and per layer, with averages', () => {
    const monitor = new PerformanceMonitor();
    monitor.recordCapture('dense_1', 100, 0.02);
    monitor.recordCapture('dense_1', 300, 0.06);
    monitor.recordCapture('dense_2', 50, 0.01);
    monitor.recordReconstruction('dense_1', 8, 0.5);
    const stats = monitor.getStats();
    expect(stats.captures).toEqual({ count: 3, items: 450, totalSeconds: 0.09, averageItems: 150, averageSeconds: 0.03 });
    expect(stats.perLayer.dense_1!.captures).toMatchObject({ count: 2, items: 400, averageItems: 200 });
    expect(stats.perLayer.dense_1!.captures.averageSeconds).toBeCloseTo(0.04, 12);
    expect(stats.perLayer.dense_1!.reconstructions).toEqual({
      count: 1,
      items: 8,
      totalSeconds: 0.5,
      averageItems: 8,
      averageSeconds: 0.5,
    });
    expect(stats.perLayer.dense_2!.reconstructions.count).toBe(0);
    expect(stats.reconstructions.averageSeconds).toBe(0.5);
  });

  it('times wrapped functions, sync and async, counting failures and rethrowing them unchanged', async () => {
    const monitor = new PerformanceMonitor();
    const add = monitor.track((a: number, b: number) => a + b, 'add');
    const named = monitor.track(Math.hypot);
    const sleep = monitor.track((ms: number) => new Promise<string>((resolve) => setTimeout(() => resolve('done'), ms)), 'sleep');
    const failing = monitor.track(async () => {
      throw new Error('boom');
    }, 'failing');
    expect(add(2, 3)).toBe(5);
    expect(add(1, 1)).toBe(2);
    expect(named(3, 4)).toBe(5);
    expect(await sleep(20)).toBe('done');
    await expect(failing()).rejects.toThrow('boom');
    const { tracked } = monitor.getStats();
    expect(tracked.add).toMatchObject({ calls: 2, failures: 0 });
    expect(tracked.hypot).toMatchObject({ calls: 1, failures: 0 }); // label defaults to fn.name
    expect(tracked.sleep!.calls).toBe(1);
    // setTimeout(20) cannot resolve sooner than ~20 ms; this checks the promise was awaited, not speed.
    expect(tracked.sleep!.minSeconds).toBeGreaterThanOrEqual(0.015);
    expect(tracked.failing).toMatchObject({ calls: 1, failures: 1 });
  });

  it('forgets everything on reset and refuses invalid records', () => {
    const monitor = new PerformanceMonitor();
    monitor.recordCapture('a', 1, 0.1);
    monitor.reset();
    expect(monitor.getStats()).toEqual({
      captures: { count: 0, items: 0, totalSeconds: 0, averageItems: 0, averageSeconds: 0 },
      reconstructions: { count: 0, items: 0, totalSeconds: 0, averageItems: 0, averageSeconds: 0 },
      perLayer: {},
      tracked: {},
    });
    expect(() => monitor.recordCapture('', 1, 0.1)).toThrow(/layer "" must be a non-empty string/);
    expect(() => monitor.recordReconstruction('a', -1, 0.1)).toThrow(/memoriesUsed -1/);
    expect(() => monitor.recordCapture('a', 1, Number.NaN)).toThrow(/seconds NaN/);
  });
});
