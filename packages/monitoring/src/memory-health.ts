import type { HealthStatus } from './types.js';
import type { PerformanceStats } from './performance-monitor.js';

/** The memory counters {@link memoryHealth} reads (an external memory's `stats()` fits). */
export interface MemoryCounters {
  /** Filled slots / slots. */
  utilisation: number;
  /** Items written so far. */
  writes: number;
  /** Slots emptied by cleanup so far. */
  evictions: number;
  /** Queries read so far. */
  reads: number;
  /** Hits / reads. */
  hitRate: number;
}

/** Where {@link memoryHealth} turns yellow and red. */
export interface MemoryHealthThresholds {
  /** Mean seconds per read (reconstruction) call. Default yellow 0.01, red 0.05. */
  readSeconds: { yellow: number; red: number };
  /** Mean seconds per write (capture) call. Default yellow 0.05, red 0.25. */
  writeSeconds: { yellow: number; red: number };
  /** Evictions per item written. Default yellow 0.2, red 0.5. */
  evictionRate: { yellow: number; red: number };
  /** Yellow when the hit rate is below this after `minReadsForHitRate` reads. Default 0.05. */
  minHitRate: number;
  minReadsForHitRate: number;
  /** Yellow when utilisation reaches this (the memory overwrites from now on). Default 1. */
  fullUtilisation: number;
}

/** The memory's health: the worst status any rule gives, with the reasons. */
export interface MemoryHealth {
  status: HealthStatus;
  reasons: string[];
  /** What the rules read. */
  averageReadSeconds: number;
  averageWriteSeconds: number;
  evictionRate: number;
  utilisation: number;
  hitRate: number;
}

/** The default rules, as the README states them. */
export const MEMORY_HEALTH_THRESHOLDS: MemoryHealthThresholds = {
  readSeconds: { yellow: 0.01, red: 0.05 },
  writeSeconds: { yellow: 0.05, red: 0.25 },
  evictionRate: { yellow: 0.2, red: 0.5 },
  minHitRate: 0.05,
  minReadsForHitRate: 1000,
  fullUtilisation: 1,
};

const RANK: Record<HealthStatus, number> = { green: 0, yellow: 1, red: 2 };

/**
 * Green / yellow / red for an external memory from a {@link PerformanceMonitor}'s timings
 * (reads = reconstructions, writes = captures) and the memory's counters: red when a mean read or
 * write is slow past the red limit or more than half of what was written was evicted; yellow past
 * the yellow limits, when the memory is full (writes overwrite), or when few reads hit.
 */
export function memoryHealth(
  performance: PerformanceStats,
  memory: MemoryCounters,
  thresholds: MemoryHealthThresholds = MEMORY_HEALTH_THRESHOLDS,
): MemoryHealth {
  const averageReadSeconds = performance.reconstructions.averageSeconds;
  const averageWriteSeconds = performance.captures.averageSeconds;
  const evictionRate = memory.writes === 0 ? 0 : memory.evictions / memory.writes;
  let status: HealthStatus = 'green';
  const reasons: string[] = [];
  const flag = (level: HealthStatus, reason: string) => {
    reasons.push(`${level}: ${reason}`);
    if (RANK[level] > RANK[status]) status = level;
  };
  const limit = (value: number, bounds: { yellow: number; red: number }, what: string, unit = '') => {
    if (value > bounds.red) flag('red', `${what} ${value.toPrecision(3)}${unit} > ${bounds.red}${unit}`);
    else if (value > bounds.yellow) flag('yellow', `${what} ${value.toPrecision(3)}${unit} > ${bounds.yellow}${unit}`);
  };
  limit(averageReadSeconds, thresholds.readSeconds, 'mean read', ' s');
  limit(averageWriteSeconds, thresholds.writeSeconds, 'mean write', ' s');
  limit(evictionRate, thresholds.evictionRate, 'eviction rate');
  if (memory.utilisation >= thresholds.fullUtilisation) flag('yellow', 'memory full: writes overwrite slots');
  if (memory.reads >= thresholds.minReadsForHitRate && memory.hitRate < thresholds.minHitRate)
    flag('yellow', `hit rate ${memory.hitRate.toPrecision(3)} < ${thresholds.minHitRate}`);
  return {
    status,
    reasons,
    averageReadSeconds,
    averageWriteSeconds,
    evictionRate,
    utilisation: memory.utilisation,
    hitRate: memory.hitRate,
  };
}
