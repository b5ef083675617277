import type { ContinualEvaluationReport } from '../continual-evaluator.js';
import type { AlertRecord, MetricPoint } from '../types.js';

/** One CSV cell: numbers as JavaScript writes them (NaN, Infinity included), null/undefined empty. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  // RFC 4180: quote fields holding a comma, quote or line break; double the quotes inside.
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV (CRLF line ends): a header row (default: the column keys), then `columns` of every row. */
export function toCsv(
  rows: ReadonlyArray<Record<string, unknown>>,
  columns: readonly string[],
  header: readonly string[] = columns,
): string {
  const lines = [header.map(cell).join(',')];
  for (const row of rows) lines.push(columns.map((column) => cell(row[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Metric points as CSV: run_id, metric, task_id, step, value, wall_time_ms, wall_time (ISO 8601). */
export function metricPointsToCsv(points: readonly MetricPoint[]): string {
  return toCsv(
    points.map((point) => ({
      run_id: point.runId,
      metric: point.metric,
      task_id: point.taskId,
      step: point.step,
      value: point.value,
      wall_time_ms: point.wallTime,
      wall_time: new Date(point.wallTime).toISOString(),
    })),
    ['run_id', 'metric', 'task_id', 'step', 'value', 'wall_time_ms', 'wall_time'],
  );
}

/** Alerts as CSV, one row per alert. */
export function alertsToCsv(alerts: readonly AlertRecord[]): string {
  return toCsv(
    alerts.map((alert) => ({
      id: alert.id,
      rule_id: alert.ruleId,
      kind: alert.kind,
      severity: alert.severity,
      metric: alert.metric,
      run_id: alert.runId,
      task_id: alert.taskId,
      step: alert.step,
      value: alert.value,
      threshold: alert.threshold,
      reference: alert.reference,
      wall_time: new Date(alert.wallTime).toISOString(),
      message: alert.message,
    })),
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
  );
}

/** The accuracy matrix as CSV: first column the task trained, one column per task evaluated. */
export function accuracyMatrixToCsv(report: Pick<ContinualEvaluationReport, 'tasks' | 'matrix'>): string {
  // Keys by position: a task may be named like the first column.
  const columns = ['trained', ...report.tasks.map((_, j) => `task${j}`)];
  const rows = report.matrix.map((row, i) => {
    const record: Record<string, unknown> = { trained: report.tasks[i] };
    row.forEach((value, j) => (record[`task${j}`] = value));
    return record;
  });
  return toCsv(rows, columns, ['trained_task', ...report.tasks]);
}

/** JSON text in which NaN and ±Infinity survive as the strings "NaN", "Infinity", "-Infinity". */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_key, item: unknown) => (typeof item === 'number' && !Number.isFinite(item) ? String(item) : item),
    indent,
  );
}
