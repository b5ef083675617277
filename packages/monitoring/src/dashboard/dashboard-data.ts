import type { AlertManager, AlertSummary } from '../alert-manager.js';
import type { ContinualEvaluationReport, ContinualEvaluator } from '../continual-evaluator.js';
import { describeValue } from '@holomind/core';
import { MonitoringError } from '../errors.js';
import { Listeners, unrefInterval } from '../listeners.js';
import type { MetricsTracker, SeriesFilter } from '../metrics-tracker.js';
import type { ResourceSample, ResourceSampler } from '../resource-sampler.js';
import type { RunningStatistics } from '../series-buffer.js';
import type { AlertRecord, DashboardSnapshot, HealthStatus, MetricGoal, MetricPoint } from '../types.js';

/** Direction of a metric over the trend window. */
export interface Trend {
  /** Least-squares slope of value over step in the window (finite points only); NaN with < 2 points. */
  slope: number;
  /** slope × (last step − first step): the fitted change over the window. */
  change: number;
  direction: 'rising' | 'falling' | 'flat' | 'unknown';
  /** Uses the metric's goal; `unknown` when it has none or the window is too short. */
  assessment: 'improving' | 'degrading' | 'stable' | 'unknown';
  /** Points the fit used. */
  points: number;
}

/** Summary of one metric (over some runs or tasks). */
export interface MetricSummary extends RunningStatistics {
  goal: MetricGoal | null;
  unit: string | null;
  trend: Trend;
}

/** Everything a dashboard shows, as plain JSON-able data. */
export interface DashboardDataView {
  generatedAt: number;
  runId: string;
  health: HealthStatus;
  metrics: Record<string, MetricSummary>;
  /** taskId → metric → summary (points logged with a task). */
  perTask: Record<string, Record<string, MetricSummary>>;
  /** runId → metric → summary. */
  perRun: Record<string, Record<string, MetricSummary>>;
  alerts: { summary: AlertSummary | null; recent: AlertRecord[] };
  evaluation: ContinualEvaluationReport | null;
  resources: ResourceSample | null;
  snapshots: DashboardSnapshot[];
  /** What `details()` returned (hyperparameters, memory health, run labels, …), or null. */
  details: Record<string, unknown> | null;
}

/** Options of {@link DashboardData}. */
export interface DashboardDataOptions {
  tracker: MetricsTracker;
  alerts?: AlertManager;
  evaluator?: ContinualEvaluator;
  resources?: ResourceSampler;
  /** Extra facts the page shows as they are: hyperparameters, the memory's health and performance, run labels. */
  details?: () => Record<string, unknown>;
  /** Latest points per series used for trends. Default 20. */
  trendWindow?: number;
  /** |change| below this fraction of the window's mean |value| counts as flat. Default 0.01. */
  flatTolerance?: number;
  /** Recent alerts included. Default 20. */
  recentAlerts?: number;
  /** Snapshots kept in memory (all go to the tracker's sinks). Default 100. */
  snapshotLimit?: number;
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/**
 * The dashboard's data as an API: per-metric statistics and trend (improving/degrading), per-task
 * and per-run breakdowns, alert summary and recent alerts, the evaluation report, the newest
 * resource sample, and periodic snapshots stored with the history (sinks' `writeSnapshot`).
 *
 * @example
 * ```ts
 * const dashboard = new DashboardData({ tracker, alerts, evaluator, resources });
 * dashboard.startSnapshots(60_000);
 * const view = dashboard.getDashboardData();
 * view.metrics.loss.trend.assessment; // 'improving'
 * ```
 */
export class DashboardData {
  readonly tracker: MetricsTracker;
  readonly alerts: AlertManager | undefined;
  readonly evaluator: ContinualEvaluator | undefined;
  readonly resources: ResourceSampler | undefined;
  private readonly details: (() => Record<string, unknown>) | undefined;
  private readonly trendWindow: number;
  private readonly flatTolerance: number;
  private readonly recentAlerts: number;
  private readonly snapshotLimit: number;
  private readonly now: () => number;
  private readonly snapshots: DashboardSnapshot[] = [];
  private readonly snapshotListeners = new Listeners<DashboardSnapshot>();
  private snapshotTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: DashboardDataOptions) {
    if (!options?.tracker) throw new MonitoringError('INVALID_ARGUMENT', 'DashboardData needs { tracker }.');
    this.tracker = options.tracker;
    this.alerts = options.alerts;
    this.evaluator = options.evaluator;
    this.resources = options.resources;
    this.details = options.details;
    this.trendWindow = options.trendWindow ?? 20;
    if (!Number.isSafeInteger(this.trendWindow) || this.trendWindow < 2) {
      throw new MonitoringError('INVALID_ARGUMENT', `trendWindow ${describeValue(options.trendWindow)} must be an integer ≥ 2.`);
    }
    this.flatTolerance = options.flatTolerance ?? 0.01;
    this.recentAlerts = options.recentAlerts ?? 20;
    this.snapshotLimit = options.snapshotLimit ?? 100;
    this.now = options.now ?? Date.now;
  }

  /** The current dashboard data (the seed's `get_dashboard_data`). */
  getDashboardData(): DashboardDataView {
    const tracker = this.tracker;
    const metrics: Record<string, MetricSummary> = {};
    const perTask: DashboardDataView['perTask'] = {};
    const perRun: DashboardDataView['perRun'] = {};
    for (const metric of tracker.metricNames()) {
      metrics[metric] = this.summarize(metric, tracker.points({ metric }), tracker.statistics({ metric }));
      for (const taskId of tracker.taskIds()) {
        const summary = this.summarizeSeries({ metric, taskId });
        if (summary) (perTask[taskId] ??= {})[metric] = summary;
      }
      for (const runId of tracker.runIds()) {
        const summary = this.summarizeSeries({ metric, runId });
        if (summary) (perRun[runId] ??= {})[metric] = summary;
      }
    }
    const summary = this.alerts?.summary() ?? null;
    return {
      generatedAt: this.now(),
      runId: tracker.runId,
      health: summary?.health.status ?? 'green',
      metrics,
      perTask,
      perRun,
      alerts: { summary, recent: this.alerts?.getHistory({ limit: this.recentAlerts }) ?? [] },
      evaluation: this.evaluator ? this.evaluator.toJSON() : null,
      resources: this.resources?.latest() ?? null,
      snapshots: [...this.snapshots],
      details: this.details?.() ?? null,
    };
  }

  /** Takes a snapshot now: kept in memory and sent to the tracker's sinks. */
  takeSnapshot(): DashboardSnapshot {
    const { snapshots: _previous, ...data } = this.getDashboardData();
    const snapshot: DashboardSnapshot = { runId: this.tracker.runId, wallTime: data.generatedAt, health: data.health, data };
    this.snapshots.push(snapshot);
    if (this.snapshots.length > this.snapshotLimit) this.snapshots.shift();
    this.tracker.forwardSnapshot(snapshot);
    for (const listener of this.snapshotListeners) listener(snapshot);
    return snapshot;
  }

  /** Takes a snapshot every `intervalMs` (timer is `unref`ed). */
  startSnapshots(intervalMs: number): void {
    if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs < 1) {
      throw new MonitoringError('INVALID_ARGUMENT', `snapshot interval ${describeValue(intervalMs)} must be ≥ 1 ms.`);
    }
    this.stopSnapshots();
    this.snapshotTimer = unrefInterval(() => this.takeSnapshot(), intervalMs);
  }

  stopSnapshots(): void {
    clearInterval(this.snapshotTimer);
    this.snapshotTimer = undefined;
  }

  /** Calls `listener` with every snapshot. Returns the unsubscribe function. */
  onSnapshot(listener: (snapshot: DashboardSnapshot) => void): () => void {
    return this.snapshotListeners.subscribe(listener);
  }

  /** The summary of the series `filter` selects (one metric), or undefined when it holds none. */
  private summarizeSeries(filter: SeriesFilter & { metric: string }): MetricSummary | undefined {
    if (this.tracker.series(filter).length === 0) return undefined;
    return this.summarize(filter.metric, this.tracker.points(filter), this.tracker.statistics(filter));
  }

  /** The trend of points in log order (the last `trendWindow` finite ones). */
  trend(metric: string, points: readonly MetricPoint[]): Trend {
    const window = points.filter((point) => Number.isFinite(point.value)).slice(-this.trendWindow);
    const goal = this.tracker.metricDefinition(metric)?.goal;
    if (window.length < 2)
      return { slope: Number.NaN, change: Number.NaN, direction: 'unknown', assessment: 'unknown', points: window.length };
    let meanStep = 0;
    let meanValue = 0;
    let meanAbs = 0;
    for (const point of window) {
      meanStep += point.step / window.length;
      meanValue += point.value / window.length;
      meanAbs += Math.abs(point.value) / window.length;
    }
    let covariance = 0;
    let variance = 0;
    for (const point of window) {
      covariance += (point.step - meanStep) * (point.value - meanValue);
      variance += (point.step - meanStep) ** 2;
    }
    // Several points at one step (e.g. every task's accuracy) give no slope over steps: use log order.
    const positions = variance > 0 ? window.map((point) => point.step) : window.map((_, i) => i);
    if (variance === 0) {
      const meanPosition = (window.length - 1) / 2;
      covariance = 0;
      for (let i = 0; i < window.length; i++) {
        covariance += (i - meanPosition) * (window[i]!.value - meanValue);
        variance += (i - meanPosition) ** 2;
      }
    }
    const slope = covariance / variance;
    const change = slope * (positions.at(-1)! - positions[0]!);
    const flat = Math.abs(change) <= this.flatTolerance * Math.max(meanAbs, Number.MIN_VALUE);
    const direction = flat ? 'flat' : change > 0 ? 'rising' : 'falling';
    let assessment: Trend['assessment'] = 'unknown';
    if (direction === 'flat') assessment = 'stable';
    else if (goal !== undefined) assessment = (direction === 'rising') === (goal === 'maximize') ? 'improving' : 'degrading';
    return { slope, change, direction, assessment, points: window.length };
  }

  private summarize(metric: string, points: readonly MetricPoint[], statistics: RunningStatistics): MetricSummary {
    const definition = this.tracker.metricDefinition(metric);
    return { ...statistics, goal: definition?.goal ?? null, unit: definition?.unit ?? null, trend: this.trend(metric, points) };
  }
}
