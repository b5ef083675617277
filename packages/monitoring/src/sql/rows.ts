import type { AlertRecord, DashboardSnapshot } from '../types.js';

/** A non-finite number as a NULL value plus its spelling (`NaN`, `Infinity`, `-Infinity`). */
export function splitValue(value: number): { value: number | null; special: string | null } {
  return Number.isFinite(value) ? { value, special: null } : { value: null, special: String(value) };
}

/** Reads back what {@link splitValue} wrote; a NULL without spelling is SQLite's NaN. */
export function readValue(value: unknown, special: string | null | undefined): number {
  if (special !== null && special !== undefined) return Number(special);
  return value === null ? Number.NaN : Number(value);
}

/** The cache key of one series: run, metric and task ('' for none). */
export function seriesKey(runId: string, metric: string, taskId: string): string {
  return `${runId}\u0000${metric}\u0000${taskId}`;
}

/** An alert as an alerts-table row. */
export function alertRow(alert: AlertRecord) {
  return {
    alert_id: alert.id,
    rule_id: alert.ruleId,
    kind: alert.kind,
    severity: alert.severity,
    metric: alert.metric,
    run_id: alert.runId,
    task_id: alert.taskId,
    step: alert.step,
    ...splitValue(alert.value),
    threshold: alert.threshold,
    reference: alert.reference,
    message: alert.message,
    wall_time: alert.wallTime,
  };
}

/** A dashboard snapshot as a snapshots-table row. */
export function snapshotRow(snapshot: DashboardSnapshot) {
  return {
    run_id: snapshot.runId,
    wall_time: snapshot.wallTime,
    health: snapshot.health,
    // JSON has no NaN/Infinity; spell them as strings rather than silently writing null.
    data: JSON.stringify(snapshot.data, (_key, value: unknown) =>
      typeof value === 'number' && !Number.isFinite(value) ? String(value) : value,
    ),
  };
}
