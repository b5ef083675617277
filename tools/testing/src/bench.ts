import { Bench } from 'tinybench';

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Timed calls; the median is over these. */
  iterations: number;
  /** Untimed calls first (compilation, caches, lazy kernel set-up). */
  warmup?: number;
  /** Runs before every timed call, outside the timing (e.g. `globalThis.gc`). */
  beforeEach?: () => void | Promise<void>;
}

/** What {@link measure} found: milliseconds per call. */
export interface Measurement {
  name: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  samplesMs: number[];
}

/**
 * Times each named function with tinybench: a fixed number of iterations after a warm-up, no time
 * budget (our calls take seconds, not microseconds). Every HoloMind bench times through this one
 * function, so their medians mean the same thing.
 *
 * @example
 * ```ts
 * const [fast, slow] = await measure({ fast: () => route(), slow: () => naive() }, { iterations: 9, warmup: 1 });
 * console.log(`${(slow.medianMs / fast.medianMs).toFixed(1)}x`);
 * ```
 */
export async function measure(functions: Record<string, () => unknown>, options: MeasureOptions): Promise<Measurement[]> {
  const bench = new Bench({
    iterations: options.iterations,
    warmupIterations: options.warmup ?? 1,
    warmupTime: 0,
    time: 0,
  });
  for (const [name, fn] of Object.entries(functions)) {
    bench.add(name, fn as () => Promise<void>, options.beforeEach ? { beforeEach: options.beforeEach } : {});
  }
  await bench.run();
  return bench.tasks.map((task) => {
    const latency = task.result?.latency;
    if (!latency || latency.samples.length === 0) {
      throw new Error(`bench '${task.name}' produced no samples${task.result?.error ? `: ${String(task.result.error)}` : ''}`);
    }
    return {
      name: task.name,
      medianMs: latency.p50 ?? Number.NaN,
      minMs: latency.min,
      maxMs: latency.max,
      samplesMs: [...latency.samples],
    };
  });
}

/** The median of a list of numbers (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
