import { describeValue, type TaskId } from '@holomind/core';
import { MonitoringError, checkOption } from './errors.js';
import { Listeners } from './listeners.js';
import { SeriesBuffer, summarize, type RunningStatistics } from './series-buffer.js';
import type { AlertRecord, DashboardSnapshot, MetricDefinition, MetricPoint, MetricSink } from './types.js';

/** Where a logged set of values belongs. */
export interface LogContext {
  /** Training step; defaults to one more than the last step logged by this tracker. */
  step?: number;
  /** The task the values are about (for accuracy: the task evaluated). */
  taskId?: TaskId;
  /** Defaults to the tracker's `runId`. */
  runId?: string;
  /** Milliseconds since the Unix epoch; defaults to the tracker's clock. */
  wallTime?: number;
}

/** Options of {@link MetricsTracker}. */
export interface MetricsTrackerOptions {
  /** Names this run in sinks and dashboards; defaults to `run-<ISO time>`. */
  runId?: string;
  /** Metrics known up front. Alert rules may only name declared metrics. */
  metrics?: Record<string, MetricDefinition>;
  /** Points kept in memory per series (metric, run, task); older ones are dropped. Default 10,000. */
  historyLimit?: number;
  sinks?: MetricSink[];
  /** Clock in milliseconds since the epoch; injectable for tests. Default `Date.now`. */
  now?: () => number;
  /**
   * Called with every error a sink or listener throws, so training goes on. The error is also
   * kept and rethrown by the next `flush()`. Default: `console.error`.
   */
  onError?: (error: unknown) => void;
}

/** Selects series of the in-memory history; omitted fields match everything. */
export interface SeriesFilter {
  metric?: string;
  runId?: string;
  /** `null` selects points logged without a task. */
  taskId?: TaskId | null;
}

/** One series of the in-memory history, oldest first. */
export interface MetricSeries {
  metric: string;
  runId: string;
  taskId: string | null;
  steps: number[];
  values: number[];
  wallTimes: number[];
  /** All-time statistics, including points no longer held in memory. */
  statistics: RunningStatistics;
}

/** Called synchronously with the points of every `log` call. */
export type MetricListener = (points: readonly MetricPoint[]) => void;

/** The name checks shared by the tracker and the alert rules. */
export function assertMetricName(name: unknown, where: string): asserts name is string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new MonitoringError('INVALID_ARGUMENT', `${where}: metric name ${describeValue(name)} must be a non-empty string.`);
  }
}

/** Normalises a task id to the string every store and comparison uses. */
export function normalizeTaskId(taskId: TaskId | null | undefined): string | null {
  if (taskId === undefined || taskId === null) return null;
  if (typeof taskId === 'number' && !Number.isFinite(taskId)) {
    throw new MonitoringError('INVALID_ARGUMENT', `taskId ${describeValue(taskId)} must be a finite number or a string.`);
  }
  if (typeof taskId !== 'number' && typeof taskId !== 'string') {
    throw new MonitoringError('INVALID_ARGUMENT', `taskId ${describeValue(taskId)} must be a number or a string.`);
  }
  if (taskId === '') {
    throw new MonitoringError('INVALID_ARGUMENT', 'taskId "" is not a task; leave taskId out for values that belong to no task.');
  }
  return String(taskId);
}

/**
 * Logs scalar metrics per step and task: a bounded in-memory history for dashboards and reports,
 * plus sinks (SQL, TensorBoard) that receive every point. NaN and ±Infinity are recorded as they
 * are; alert rules (see `AlertManager`) decide what to do about them.
 *
 * @example
 * ```ts
 * const tracker = new MetricsTracker({ metrics: { loss: { goal: 'minimize' }, accuracy: { goal: 'maximize' } } });
 * tracker.log({ loss: 0.41, accuracy: 0.88 }, { taskId: 0, step: 100 });
 * tracker.series({ metric: 'loss' })[0].values; // [0.41]
 * ```
 */
export class MetricsTracker {
  readonly runId: string;
  readonly historyLimit: number;
  private readonly definitions = new Map<string, MetricDefinition>();
  private readonly declared = new Set<string>();
  private readonly buffers = new Map<string, SeriesBuffer>();
  private readonly byMetric = new Map<string, SeriesBuffer[]>();
  private readonly listeners = new Listeners<readonly MetricPoint[]>();
  private readonly sinkList: MetricSink[] = [];
  private readonly pendingWrites = new Set<Promise<void>>();
  private readonly errors: unknown[] = [];
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;
  private sequence = 0;
  private lastStep = -1;

  constructor(options: MetricsTrackerOptions = {}) {
    this.runId = options.runId ?? `run-${new Date().toISOString()}`;
    if (typeof this.runId !== 'string' || this.runId === '') {
      throw new MonitoringError('INVALID_ARGUMENT', `runId ${describeValue(options.runId)} must be a non-empty string.`);
    }
    this.historyLimit = checkOption.positiveInteger('historyLimit', options.historyLimit ?? 10_000);
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? ((error) => console.error('[@holomind/monitoring]', error));
    for (const [name, definition] of Object.entries(options.metrics ?? {})) this.defineMetric(name, definition);
    for (const sink of options.sinks ?? []) this.addSink(sink);
  }

  /** Declares a metric (goal, unit) so rules and dashboards know it. Re-declaring updates it. */
  defineMetric(name: string, definition: MetricDefinition = {}): this {
    assertMetricName(name, 'defineMetric');
    if (definition.goal !== undefined && definition.goal !== 'maximize' && definition.goal !== 'minimize') {
      throw new MonitoringError(
        'INVALID_ARGUMENT',
        `Metric '${name}': goal ${describeValue(definition.goal)} must be 'maximize' or 'minimize' (or left out).`,
      );
    }
    this.definitions.set(name, { ...definition });
    this.declared.add(name);
    return this;
  }

  /** True for metrics declared with `defineMetric` or the `metrics` option (not merely logged). */
  isDeclared(name: string): boolean {
    return this.declared.has(name);
  }

  /** Declared metric names, sorted. */
  declaredMetrics(): string[] {
    return [...this.declared].sort();
  }

  /** The definition of a declared or logged metric, or undefined. */
  metricDefinition(name: string): MetricDefinition | undefined {
    return this.definitions.get(name);
  }

  /** The sinks every point goes to. */
  get sinks(): readonly MetricSink[] {
    return this.sinkList;
  }

  addSink(sink: MetricSink): this {
    if (typeof sink?.writePoints !== 'function') {
      throw new MonitoringError('INVALID_ARGUMENT', 'A sink must have a writePoints(points) method.');
    }
    this.sinkList.push(sink);
    return this;
  }

  /** Calls `listener` with the points of every later `log`. Returns the unsubscribe function. */
  subscribe(listener: MetricListener): () => void {
    return this.listeners.subscribe(listener);
  }

  /**
   * Records `metrics` (name → value) at one step. Values must be numbers; NaN and ±Infinity are
   * kept. Throws only on programming errors (a non-number value, a bad step), never on sink errors.
   */
  log(metrics: Record<string, number>, context: LogContext = {}): MetricPoint[] {
    if (typeof metrics !== 'object' || metrics === null) {
      throw new MonitoringError(
        'INVALID_ARGUMENT',
        `log(metrics): expected an object of name → number, got ${describeValue(metrics)}.`,
      );
    }
    const step = context.step ?? this.lastStep + 1;
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new MonitoringError('INVALID_ARGUMENT', `log: step ${describeValue(step)} must be a non-negative integer.`);
    }
    const runId = context.runId ?? this.runId;
    const taskId = normalizeTaskId(context.taskId);
    const wallTime = context.wallTime ?? this.now();
    const points: MetricPoint[] = [];
    for (const name in metrics) {
      const value = metrics[name];
      if (name.trim() === '') throw new MonitoringError('INVALID_ARGUMENT', 'log: metric names must be non-empty strings.');
      if (typeof value !== 'number') {
        throw new MonitoringError(
          'INVALID_ARGUMENT',
          `log: metric '${name}' has value ${describeValue(value)}; pass a number (read tensors with await tensor.data() first).`,
        );
      }
      points.push({ runId, metric: name, taskId, step, value, wallTime });
    }
    this.lastStep = Math.max(this.lastStep, step);
    for (const point of points) this.bufferFor(point).push(step, point.value, wallTime, this.sequence++);
    this.deliver(points);
    return points;
  }

  /** Series of the in-memory history matching `filter`, sorted by metric, run, then task. */
  series(filter: SeriesFilter = {}): MetricSeries[] {
    return this.matching(filter).map((buffer) => ({
      metric: buffer.metric,
      runId: buffer.runId,
      taskId: buffer.taskId,
      ...pick(buffer.toArrays()),
      statistics: buffer.statistics(),
    }));
  }

  /** The points of the in-memory history matching `filter`, in the order they were logged. */
  points(filter: SeriesFilter = {}): MetricPoint[] {
    const tagged = this.matching(filter).flatMap((buffer) => buffer.toSequencedPoints());
    return tagged.sort((a, b) => a.sequence - b.sequence).map((entry) => entry.point);
  }

  /** All-time statistics over every series matching `filter` (e.g. one metric across tasks). */
  statistics(filter: SeriesFilter = {}): RunningStatistics {
    return summarize(this.matching(filter));
  }

  /** Metric names logged so far, sorted. */
  metricNames(): string[] {
    return [...this.byMetric.keys()].sort();
  }

  /** Run ids logged so far, sorted. */
  runIds(): string[] {
    return unique([...this.buffers.values()].map((buffer) => buffer.runId));
  }

  /** Task ids logged so far (excluding "no task"), in order of first appearance. */
  taskIds(): string[] {
    const seen: string[] = [];
    for (const buffer of this.buffers.values())
      if (buffer.taskId !== null && !seen.includes(buffer.taskId)) seen.push(buffer.taskId);
    return seen;
  }

  /** Sends an alert to every sink that stores alerts (used by `AlertManager`). */
  forwardAlert(alert: AlertRecord): void {
    for (const sink of this.sinkList) if (sink.writeAlert) this.guard(() => sink.writeAlert!(alert));
  }

  /** Sends a snapshot to every sink that stores snapshots (used by `DashboardData`). */
  forwardSnapshot(snapshot: DashboardSnapshot): void {
    for (const sink of this.sinkList) if (sink.writeSnapshot) this.guard(() => sink.writeSnapshot!(snapshot));
  }

  /**
   * Waits for every sink to write what it buffered. Rejects with `SINK_FAILED` (the causes
   * attached) if any sink or listener failed since the last flush.
   */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.pendingWrites]);
    const results = await Promise.allSettled(this.sinkList.map((sink) => sink.flush?.()));
    for (const result of results) if (result.status === 'rejected') this.errors.push(result.reason);
    this.throwCollectedErrors();
  }

  /** Flushes, then closes every sink. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.pendingWrites]);
    const results = await Promise.allSettled(this.sinkList.map((sink) => sink.close?.() ?? sink.flush?.()));
    for (const result of results) if (result.status === 'rejected') this.errors.push(result.reason);
    this.listeners.clear();
    this.throwCollectedErrors();
  }

  private throwCollectedErrors(): void {
    if (this.errors.length === 0) return;
    const errors = this.errors.splice(0);
    const first = errors[0] instanceof Error ? errors[0].message : String(errors[0]);
    throw new MonitoringError('SINK_FAILED', `${errors.length} sink or listener error(s) since the last flush; first: ${first}`, {
      cause: errors.length === 1 ? errors[0] : new AggregateError(errors),
    });
  }

  private deliver(points: MetricPoint[]): void {
    for (const sink of this.sinkList) this.guard(() => sink.writePoints(points));
    for (const listener of this.listeners) this.guard(() => listener(points));
  }

  /** Runs a sink or listener call so its failure is reported and kept, never thrown into training. */
  private guard(call: () => void | Promise<void>): void {
    try {
      const result = call();
      if (result && typeof (result as Promise<void>).then === 'function') {
        const pending: Promise<void> = (result as Promise<void>).then(
          () => {
            this.pendingWrites.delete(pending);
          },
          (error: unknown) => {
            this.pendingWrites.delete(pending);
            this.report(error);
          },
        );
        this.pendingWrites.add(pending);
      }
    } catch (error) {
      this.report(error);
    }
  }

  private report(error: unknown): void {
    this.errors.push(error);
    try {
      this.onError(error);
    } catch {
      // The error is kept in `errors` and rethrown by flush(); a failing reporter must not hide it.
    }
  }

  private bufferFor(point: MetricPoint): SeriesBuffer {
    const key = `${point.metric}\u0000${point.runId}\u0000${point.taskId ?? '\u0001'}`;
    let buffer = this.buffers.get(key);
    if (buffer === undefined) {
      buffer = new SeriesBuffer(point.metric, point.runId, point.taskId, this.historyLimit);
      this.buffers.set(key, buffer);
      const list = this.byMetric.get(point.metric) ?? [];
      list.push(buffer);
      this.byMetric.set(point.metric, list);
      if (!this.definitions.has(point.metric)) this.definitions.set(point.metric, {});
    }
    return buffer;
  }

  private matching(filter: SeriesFilter): SeriesBuffer[] {
    const candidates = filter.metric === undefined ? [...this.buffers.values()] : (this.byMetric.get(filter.metric) ?? []);
    const taskId = filter.taskId === undefined ? undefined : normalizeTaskId(filter.taskId);
    return candidates
      .filter(
        (buffer) =>
          (filter.runId === undefined || buffer.runId === filter.runId) && (taskId === undefined || buffer.taskId === taskId),
      )
      .sort(
        (a, b) =>
          a.metric.localeCompare(b.metric) || a.runId.localeCompare(b.runId) || (a.taskId ?? '').localeCompare(b.taskId ?? ''),
      );
  }
}

function pick(arrays: { steps: number[]; values: number[]; wallTimes: number[] }) {
  return { steps: arrays.steps, values: arrays.values, wallTimes: arrays.wallTimes };
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort();
}
