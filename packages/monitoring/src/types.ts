// src/sql/* still imports TaskId from here; the one definition is core's (stored as a string: `3` and `'3'` are one task).
export type { TaskId } from '@holomind/core';

/** Whether larger values of a metric are better, smaller are better, or neither is known. */
export type MetricGoal = 'maximize' | 'minimize';

/** What the tracker knows about one metric. */
export interface MetricDefinition {
  /** `maximize` for accuracy, `minimize` for loss; decides whether a trend is improving or degrading. */
  goal?: MetricGoal;
  /** Unit for displays, e.g. `bytes`, `%`, `s`. */
  unit?: string;
  /** One line for humans. */
  description?: string;
}

/** One logged scalar. `value` may be NaN or ±Infinity: such values are kept, never dropped. */
export interface MetricPoint {
  runId: string;
  metric: string;
  /** The task the value is about (for accuracy: the task evaluated); null when none was given. */
  taskId: string | null;
  /** Training step (non-negative integer). */
  step: number;
  value: number;
  /** Milliseconds since the Unix epoch. */
  wallTime: number;
}

/** Alert severities, in increasing order. */
export type AlertSeverity = 'warning' | 'error' | 'critical';

/** Which kind of rule raised an alert. */
export type AlertKind = 'threshold' | 'forgetting' | 'non-finite';

/** One fired alert, as stored in the history, in sinks and passed to handlers. */
export interface AlertRecord {
  /** Unique per manager: `<ruleId>#<sequence>`. */
  id: string;
  ruleId: string;
  kind: AlertKind;
  severity: AlertSeverity;
  metric: string;
  runId: string;
  taskId: string | null;
  step: number;
  /** The value that fired the rule (may be NaN or ±Infinity for `non-finite`). */
  value: number;
  /** The threshold crossed: a level for `threshold`, the allowed drop for `forgetting`; null for `non-finite`. */
  threshold: number | null;
  /** For `forgetting`: the best earlier value of the task; otherwise null. */
  reference: number | null;
  message: string;
  /** Milliseconds since the Unix epoch. */
  wallTime: number;
}

/** Overall health derived from recent alerts. */
export type HealthStatus = 'green' | 'yellow' | 'red';

/** A periodic copy of the dashboard data, stored with the history. */
export interface DashboardSnapshot {
  runId: string;
  wallTime: number;
  health: HealthStatus;
  /** The dashboard data at that moment, JSON-serialisable. */
  data: unknown;
}

/**
 * Where logged data goes besides the in-memory history (a database, TensorBoard files).
 * `writePoints` is called synchronously from `MetricsTracker.log`, so it must be cheap: buffer,
 * then write in batches. Errors of background writes surface from `flush()` / `close()`.
 */
export interface MetricSink {
  writePoints(points: readonly MetricPoint[]): void | Promise<void>;
  writeAlert?(alert: AlertRecord): void | Promise<void>;
  writeSnapshot?(snapshot: DashboardSnapshot): void | Promise<void>;
  /** Writes everything buffered; rejects with the first background write error since the last flush. */
  flush?(): Promise<void>;
  /** Flushes and releases timers and handles. */
  close?(): Promise<void>;
}
