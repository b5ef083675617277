import type { MetricPoint } from './types.js';

/** All-time running statistics of one series; NaN and ±Infinity are counted apart, never mixed in. */
export interface RunningStatistics {
  /** Points logged, finite or not. */
  count: number;
  /** Points that were NaN or ±Infinity. */
  nonFiniteCount: number;
  /** Over finite values only; NaN when there is none. */
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation of finite values. */
  std: number;
  /** The last value logged (may be non-finite); NaN when nothing was logged. */
  last: number;
  lastStep: number;
  lastWallTime: number;
}

/** Welford accumulator; `merge` combines two (Chan et al.), so per-metric totals come from per-series ones. */
export class Welford {
  count = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;

  add(value: number): void {
    this.count += 1;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (value - this.mean);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  merge(other: Welford): void {
    if (other.count === 0) return;
    if (this.count === 0) {
      Object.assign(this, { count: other.count, mean: other.mean, m2: other.m2, min: other.min, max: other.max });
      return;
    }
    const count = this.count + other.count;
    const delta = other.mean - this.mean;
    this.mean += (delta * other.count) / count;
    this.m2 += other.m2 + (delta * delta * this.count * other.count) / count;
    this.count = count;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }
}

const INITIAL_CAPACITY = 64;

/**
 * The recent points of one series (metric, run, task) in a ring buffer that grows by doubling up to
 * `capacity`, then overwrites the oldest. Parallel Float64Arrays: no object per point.
 */
export class SeriesBuffer {
  private steps: Float64Array;
  private values: Float64Array;
  private wallTimes: Float64Array;
  private sequences: Float64Array;
  private start = 0;
  private size = 0;
  readonly finite = new Welford();
  nonFiniteCount = 0;
  last = Number.NaN;
  lastStep = Number.NaN;
  lastWallTime = Number.NaN;
  /** Tracker-wide order of the last point, to find the latest among series. */
  lastSequence = -1;

  constructor(
    readonly metric: string,
    readonly runId: string,
    readonly taskId: string | null,
    readonly capacity: number,
  ) {
    const initial = Math.min(INITIAL_CAPACITY, capacity);
    this.steps = new Float64Array(initial);
    this.values = new Float64Array(initial);
    this.wallTimes = new Float64Array(initial);
    this.sequences = new Float64Array(initial);
  }

  /** Points currently held (at most `capacity`). */
  get length(): number {
    return this.size;
  }

  push(step: number, value: number, wallTime: number, sequence: number): void {
    if (Number.isFinite(value)) this.finite.add(value);
    else this.nonFiniteCount += 1;
    this.last = value;
    this.lastStep = step;
    this.lastWallTime = wallTime;
    this.lastSequence = sequence;
    if (this.size === this.steps.length && this.size < this.capacity) this.grow();
    const slot = (this.start + this.size) % this.steps.length;
    this.steps[slot] = step;
    this.values[slot] = value;
    this.wallTimes[slot] = wallTime;
    this.sequences[slot] = sequence;
    if (this.size < this.steps.length) this.size += 1;
    else this.start = (this.start + 1) % this.steps.length;
  }

  /** Oldest-first copies of the held points. */
  toArrays(): { steps: number[]; values: number[]; wallTimes: number[]; sequences: number[] } {
    const result = { steps: [] as number[], values: [] as number[], wallTimes: [] as number[], sequences: [] as number[] };
    for (let i = 0; i < this.size; i++) {
      const slot = (this.start + i) % this.steps.length;
      result.steps.push(this.steps[slot]!);
      result.values.push(this.values[slot]!);
      result.wallTimes.push(this.wallTimes[slot]!);
      result.sequences.push(this.sequences[slot]!);
    }
    return result;
  }

  /** Oldest-first points as objects, each with its log sequence number (to merge series in log order). */
  toSequencedPoints(): Array<{ sequence: number; point: MetricPoint }> {
    const arrays = this.toArrays();
    return arrays.steps.map((step, i) => ({
      sequence: arrays.sequences[i]!,
      point: {
        runId: this.runId,
        metric: this.metric,
        taskId: this.taskId,
        step,
        value: arrays.values[i]!,
        wallTime: arrays.wallTimes[i]!,
      },
    }));
  }

  statistics(): RunningStatistics {
    return summarize([this]);
  }

  private grow(): void {
    const next = Math.min(this.steps.length * 2, this.capacity);
    const reorder = (source: Float64Array) => {
      const target = new Float64Array(next);
      for (let i = 0; i < this.size; i++) target[i] = source[(this.start + i) % source.length]!;
      return target;
    };
    this.steps = reorder(this.steps);
    this.values = reorder(this.values);
    this.wallTimes = reorder(this.wallTimes);
    this.sequences = reorder(this.sequences);
    this.start = 0;
  }
}

/** Running statistics over several series together (e.g. every task's `accuracy`). */
export function summarize(series: readonly SeriesBuffer[]): RunningStatistics {
  const total = new Welford();
  let nonFiniteCount = 0;
  let latest: SeriesBuffer | undefined;
  for (const one of series) {
    total.merge(one.finite);
    nonFiniteCount += one.nonFiniteCount;
    if (one.lastSequence >= 0 && (latest === undefined || one.lastSequence > latest.lastSequence)) latest = one;
  }
  const hasFinite = total.count > 0;
  return {
    count: total.count + nonFiniteCount,
    nonFiniteCount,
    min: hasFinite ? total.min : Number.NaN,
    max: hasFinite ? total.max : Number.NaN,
    mean: hasFinite ? total.mean : Number.NaN,
    std: hasFinite ? Math.sqrt(total.m2 / total.count) : Number.NaN,
    last: latest?.last ?? Number.NaN,
    lastStep: latest?.lastStep ?? Number.NaN,
    lastWallTime: latest?.lastWallTime ?? Number.NaN,
  };
}
