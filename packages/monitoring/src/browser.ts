// The browser entry of @holomind/monitoring (package.json `exports` condition "browser"): the
// tracker, the continual-learning evaluator and accuracy-matrix measures, alerts with callback
// handlers, tensor statistics, timings and the dashboard's data model. Left out: what writes files,
// serves HTTP or renders with native code (TensorBoard files, reports and plots, the dashboard
// server, the file alert handler, the resource sampler) and the SQL sink.
export { MetricsTracker } from './metrics-tracker.js';
export type { LogContext, MetricsTrackerOptions, SeriesFilter, MetricSeries, MetricListener } from './metrics-tracker.js';
export type { RunningStatistics } from './series-buffer.js';
export type {
  MetricGoal,
  MetricDefinition,
  MetricPoint,
  MetricSink,
  AlertSeverity,
  AlertKind,
  AlertRecord,
  HealthStatus,
  DashboardSnapshot,
} from './types.js';

export { ContinualEvaluator, EVALUATION_DEFINITIONS } from './continual-evaluator.js';
export type { ContinualEvaluatorOptions, ContinualEvaluationReport, TaskForgetting } from './continual-evaluator.js';
export { forgettingOf, averageForgettingOf, averageAccuracyOf, backwardTransferOf } from './accuracy-matrix.js';
export type { AccuracyMatrix, AccuracyMatrixOptions } from './accuracy-matrix.js';

export { AlertManager } from './alert-manager.js';
export type { AlertManagerOptions, AlertHandler, AlertFilter, AlertSummary, HealthReport } from './alert-manager.js';
export { SEVERITIES } from './alert-rules.js';
export type { AlertRule, ThresholdRule, ForgettingRule, SeverityThresholds, ResolvedRule } from './alert-rules.js';

export { valueStatistics, tensorStatistics, namedStatistics, logStatistics } from './tensor-statistics.js';
export type { Histogram, TensorStatistics, NamedStatistics, StatisticsOptions } from './tensor-statistics.js';

export { PerformanceMonitor } from './performance-monitor.js';
export type { PerformanceStats, OperationTotals, TrackedTiming } from './performance-monitor.js';
export { toJson } from './to-json.js';

export { DashboardData } from './dashboard/dashboard-data.js';
export type { DashboardDataOptions, DashboardDataView, MetricSummary, Trend } from './dashboard/dashboard-data.js';

export { MonitoringError } from './errors.js';
export type { MonitoringErrorCode } from './errors.js';
