import { describe, expect, it } from 'vitest';
import { memoryHealth, MEMORY_HEALTH_THRESHOLDS } from './memory-health.js';
import { PerformanceMonitor } from './performance-monitor.js';

const counters = { utilisation: 0.5, writes: 100, evictions: 0, reads: 10, hitRate: 0.9 };

describe('memoryHealth', () => {
  it('is green within every limit, and names the rule that turns it yellow or red', () => {
    const monitor = new PerformanceMonitor();
    monitor.recordCapture('column-0', 32, 0.002);
    monitor.recordReconstruction('column-0', 64, 0.001);
    expect(memoryHealth(monitor.getStats(), counters)).toMatchObject({ status: 'green', reasons: [], evictionRate: 0 });

    expect(memoryHealth(monitor.getStats(), { ...counters, evictions: 30 })).toMatchObject({
      status: 'yellow',
      evictionRate: 0.3,
      reasons: ['yellow: eviction rate 0.300 > 0.2'],
    });
    expect(memoryHealth(monitor.getStats(), { ...counters, evictions: 60 }).status).toBe('red');
    expect(memoryHealth(monitor.getStats(), { ...counters, utilisation: 1 }).reasons).toEqual([
      'yellow: memory full: writes overwrite slots',
    ]);
    expect(memoryHealth(monitor.getStats(), { ...counters, reads: 5000, hitRate: 0.01 }).status).toBe('yellow');

    monitor.recordReconstruction('column-0', 64, 0.199); // mean read 0.1 s
    const slow = memoryHealth(monitor.getStats(), counters);
    expect(slow.status).toBe('red');
    expect(slow.averageReadSeconds).toBeCloseTo(0.1, 12);
    expect(slow.reasons).toEqual([`red: mean read 0.100 s > ${MEMORY_HEALTH_THRESHOLDS.readSeconds.red} s`]);
  });
});
