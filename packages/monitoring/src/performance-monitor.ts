import { describeValue } from '@holomind/core';
import { MonitoringError } from './errors.js';

/** Totals of one kind of memory operation (captures or reconstructions). */
export interface OperationTotals {
  count: number;
  /** States stored (captures) or memories used (reconstructions), summed. */
  items: number;
  totalSeconds: number;
  /** Means per call; 0 before the first call. */
  averageItems: number;
  averageSeconds: number;
}

/** Timing of one function wrapped with `track`. */
export interface TrackedTiming {
  calls: number;
  /** Calls that threw or rejected (still timed). */
  failures: number;
  totalSeconds: number;
  averageSeconds: number;
  minSeconds: number;
  maxSeconds: number;
}

/** What {@link PerformanceMonitor.getStats} returns. */
export interface PerformanceStats {
  captures: OperationTotals;
  reconstructions: OperationTotals;
  /** Per layer name: its captures and reconstructions. */
  perLayer: Record<string, { captures: OperationTotals; reconstructions: OperationTotals }>;
  /** Per label given to `track`. */
  tracked: Record<string, TrackedTiming>;
}

class Totals {
  count = 0;
  items = 0;
  seconds = 0;

  add(items: number, seconds: number): void {
    this.count += 1;
    this.items += items;
    this.seconds += seconds;
  }

  toJSON(): OperationTotals {
    return {
      count: this.count,
      items: this.items,
      totalSeconds: this.seconds,
      averageItems: this.count > 0 ? this.items / this.count : 0,
      averageSeconds: this.count > 0 ? this.seconds / this.count : 0,
    };
  }
}

/**
 * Counts and times the memory layer's work: state captures and memory reconstructions per layer,
 * and any function wrapped with `track`.
 *
 * @example
 * ```ts
 * const performance = new PerformanceMonitor();
 * performance.recordCapture('dense_1', 128, 0.004);
 * const reconstruct = performance.track(memory.reconstruct.bind(memory), 'reconstruct');
 * await reconstruct(query);
 * performance.getStats().tracked.reconstruct.averageSeconds;
 * ```
 */
export class PerformanceMonitor {
  private captures = new Totals();
  private reconstructions = new Totals();
  private layers = new Map<string, { captures: Totals; reconstructions: Totals }>();
  private timings = new Map<string, { calls: number; failures: number; total: number; min: number; max: number }>();

  /** Records that `layer` stored `statesStored` states in `seconds`. */
  recordCapture(layer: string, statesStored: number, seconds: number): void {
    check(layer, statesStored, seconds, 'recordCapture', 'statesStored');
    this.captures.add(statesStored, seconds);
    this.layer(layer).captures.add(statesStored, seconds);
  }

  /** Records that `layer` reconstructed from `memoriesUsed` memories in `seconds`. */
  recordReconstruction(layer: string, memoriesUsed: number, seconds: number): void {
    check(layer, memoriesUsed, seconds, 'recordReconstruction', 'memoriesUsed');
    this.reconstructions.add(memoriesUsed, seconds);
    this.layer(layer).reconstructions.add(memoriesUsed, seconds);
  }

  /** Counts, per-layer totals and averages. */
  getStats(): PerformanceStats {
    const perLayer: PerformanceStats['perLayer'] = {};
    for (const [name, layer] of this.layers)
      perLayer[name] = { captures: layer.captures.toJSON(), reconstructions: layer.reconstructions.toJSON() };
    const tracked: PerformanceStats['tracked'] = {};
    for (const [label, timing] of this.timings) {
      tracked[label] = {
        calls: timing.calls,
        failures: timing.failures,
        totalSeconds: timing.total,
        averageSeconds: timing.calls > 0 ? timing.total / timing.calls : 0,
        minSeconds: timing.calls > 0 ? timing.min : 0,
        maxSeconds: timing.calls > 0 ? timing.max : 0,
      };
    }
    return { captures: this.captures.toJSON(), reconstructions: this.reconstructions.toJSON(), perLayer, tracked };
  }

  /** Forgets everything recorded. */
  reset(): void {
    this.captures = new Totals();
    this.reconstructions = new Totals();
    this.layers = new Map();
    this.timings = new Map();
  }

  /**
   * Wraps `fn` so every call is timed under `label` (default `fn.name`). Promises are timed until
   * they settle; failures are counted and rethrown unchanged.
   */
  track<Args extends unknown[], Result>(
    fn: (...args: Args) => Result,
    label: string = fn.name || 'anonymous',
  ): (...args: Args) => Result {
    if (typeof fn !== 'function') {
      throw new MonitoringError('INVALID_ARGUMENT', `track needs a function, got ${describeValue(fn)}.`);
    }
    const finish = (started: number, failed: boolean) => this.recordTiming(label, (performance.now() - started) / 1000, failed);
    return (...args: Args): Result => {
      const started = performance.now();
      let result: Result;
      try {
        result = fn(...args);
      } catch (error) {
        finish(started, true);
        throw error;
      }
      if (result instanceof Promise) {
        return result.then(
          (value: unknown) => {
            finish(started, false);
            return value;
          },
          (error: unknown) => {
            finish(started, true);
            throw error;
          },
        ) as Result;
      }
      finish(started, false);
      return result;
    };
  }

  private recordTiming(label: string, seconds: number, failed: boolean): void {
    let timing = this.timings.get(label);
    if (timing === undefined) this.timings.set(label, (timing = { calls: 0, failures: 0, total: 0, min: Infinity, max: 0 }));
    timing.calls += 1;
    if (failed) timing.failures += 1;
    timing.total += seconds;
    timing.min = Math.min(timing.min, seconds);
    timing.max = Math.max(timing.max, seconds);
  }

  private layer(name: string) {
    let layer = this.layers.get(name);
    if (layer === undefined) this.layers.set(name, (layer = { captures: new Totals(), reconstructions: new Totals() }));
    return layer;
  }
}

function check(layer: string, items: number, seconds: number, method: string, itemName: string): void {
  if (typeof layer !== 'string' || layer === '') {
    throw new MonitoringError('INVALID_ARGUMENT', `${method}: layer ${describeValue(layer)} must be a non-empty string.`);
  }
  if (typeof items !== 'number' || !Number.isFinite(items) || items < 0) {
    throw new MonitoringError(
      'INVALID_ARGUMENT',
      `${method}('${layer}'): ${itemName} ${describeValue(items)} must be a finite number ≥ 0.`,
    );
  }
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new MonitoringError(
      'INVALID_ARGUMENT',
      `${method}('${layer}'): seconds ${describeValue(seconds)} must be a finite number ≥ 0.`,
    );
  }
}
