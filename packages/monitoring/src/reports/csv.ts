import { stringify } from 'csv-stringify/sync';
import type { ContinualEvaluationReport } from '../continual-evaluator.js';
import type { AlertRecord, MetricPoint } from '../types.js';

/**
 * RFC 4180 CSV with CRLF line ends: `header`, then `rows`. Numbers as JavaScript writes them (NaN,
 * Infinity), null / undefined empty, objects as JSON. csv-stringify quotes a field holding a comma,
 * a quote or CRLF; `quoted_match` adds a lone CR or LF, which RFC 4180 readers also need quoted.
 */
function csv(header: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  return stringify([header, ...rows], {
    record_delimiter: 'windows',
    quoted_match: /[\r\n]/,
    cast: { object: (value) => JSON.stringify(value) },
  });
}

/** Metric points as CSV: run_id, metric, task_id, step, value, wall_time_ms, wall_time (ISO 8601). */
export function metricPointsToCsv(points: readonly MetricPoint[]): string {
  return csv(
    ['run_id', 'metric', 'task_id', 'step', 'value', 'wall_time_ms', 'wall_time'],
    points.map((point) => [
      point.runId,
      point.metric,
      point.taskId,
      point.step,
      point.value,
      point.wallTime,
      new Date(point.wallTime).toISOString(),
    ]),
  );
}

/** Alerts as CSV, one row per alert. */
export function alertsToCsv(alerts: readonly AlertRecord[]): string {
  return csv(
    [
      'id',
      'rule_id',
      'kind',
      'severity',
      'metric',
      'run_id',
      'task_id',
      'step',
      'value',
      'threshold',
      'reference',
      'wall_time',
      'message',
    ],
    alerts.map((alert) => [
      alert.id,
      alert.ruleId,
      alert.kind,
      alert.severity,
      alert.metric,
      alert.runId,
      alert.taskId,
      alert.step,
      alert.value,
      alert.threshold,
      alert.reference,
      new Date(alert.wallTime).toISOString(),
      alert.message,
    ]),
  );
}

/** The accuracy matrix as CSV: first column the task trained, one column per task evaluated. */
export function accuracyMatrixToCsv(report: Pick<ContinualEvaluationReport, 'tasks' | 'matrix'>): string {
  return csv(
    ['trained_task', ...report.tasks],
    report.matrix.map((row, i) => [report.tasks[i], ...row]),
  );
}
