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

export { SqlMetricSink } from './sql/sql-sink.js';
export type { SqlMetricSinkOptions } from './sql/sql-sink.js';
export type { SqlReadFilter, MetricAggregate, StoredAccuracyMatrix } from './sql/readers.js';
export type { MetricRetentionPolicy, RetentionResult } from './sql/retention.js';
export { metricMigrations, prefixedMetricMigrations } from './sql/metric-migrations.js';
export type { MetricMigrationSet, MetricMigration, MetricMigrationContext } from './sql/metric-migrations.js';
export type { MonitoringTableNames } from './sql/metric-tables.js';

export { ContinualEvaluator, EVALUATION_DEFINITIONS } from './continual-evaluator.js';
export type { ContinualEvaluatorOptions, ContinualEvaluationReport, TaskForgetting } from './continual-evaluator.js';
export { forgettingOf, averageForgettingOf, averageAccuracyOf, backwardTransferOf } from './accuracy-matrix.js';
export type { AccuracyMatrix, AccuracyMatrixOptions } from './accuracy-matrix.js';

export { AlertManager } from './alert-manager.js';
export type { AlertManagerOptions, AlertHandler, AlertFilter, AlertSummary, HealthReport } from './alert-manager.js';
export { SEVERITIES } from './alert-rules.js';
export type { AlertRule, ThresholdRule, ForgettingRule, SeverityThresholds, ResolvedRule } from './alert-rules.js';
export { consoleAlertHandler, fileAlertHandler, callbackAlertHandler } from './alert-handlers.js';
export type { AlertConsole } from './alert-handlers.js';

export { ResourceSampler, RESOURCE_METRICS } from './resource-sampler.js';
export type { ResourceSample, ResourceSamplerOptions, BackendLike, AdapterLike } from './resource-sampler.js';

export { valueStatistics, tensorStatistics, namedStatistics, logStatistics } from './tensor-statistics.js';
export type { Histogram, TensorStatistics, NamedStatistics, StatisticsOptions } from './tensor-statistics.js';

export { TensorBoardWriter, tensorBoardSink } from './tensorboard/tensorboard-writer.js';
export type { TensorBoardWriterOptions, TensorBoardSinkOptions } from './tensorboard/tensorboard-writer.js';
export type { HParamValue } from './tensorboard/event-proto.js';
export type { RawImage } from './tensorboard/png.js';
export { parseTensorBoardEvents, readTensorBoardEvents } from './tensorboard/event-reader.js';
export type { TensorBoardEvent, TensorBoardValue, TensorBoardImage, TensorBoardHistogram } from './tensorboard/event-reader.js';

export { PerformanceMonitor } from './performance-monitor.js';
export type { PerformanceStats, OperationTotals, TrackedTiming } from './performance-monitor.js';
export { memoryHealth, MEMORY_HEALTH_THRESHOLDS } from './memory-health.js';
export type { MemoryCounters, MemoryHealth, MemoryHealthThresholds } from './memory-health.js';

export { metricPointsToCsv, alertsToCsv, accuracyMatrixToCsv } from './reports/csv.js';
export { toJson } from './to-json.js';
export {
  taskAccuracyChart,
  seriesChart,
  accuracyMatrixChart,
  forgettingChart,
  memoryUseChart,
  renderSvg,
  renderPng,
} from './reports/plots.js';
export type { VegaLiteSpec, ChartOptions, PngOptions } from './reports/plots.js';
export { buildReport, writeReport } from './reports/report.js';
export type { ReportSources, WriteReportOptions } from './reports/report.js';

export { DashboardData } from './dashboard/dashboard-data.js';
export type { DashboardDataOptions, DashboardDataView, MetricSummary, Trend } from './dashboard/dashboard-data.js';
export { startDashboardServer, generateDashboardToken } from './dashboard/dashboard-server.js';
export type { DashboardServer, DashboardServerOptions } from './dashboard/dashboard-server.js';
export type { DashboardAsset } from './dashboard/dashboard-assets.js';

export { MonitoringError } from './errors.js';
export type { MonitoringErrorCode } from './errors.js';
export { studyPageHtml } from './dashboard/study-page.js';
export type { StudyPageData, StudyPageTrial, StudyPageOptions } from './dashboard/study-page.js';
