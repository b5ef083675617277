import { describeValue, type TaskId } from '@holomind/core';
import { MonitoringError } from './errors.js';
import { normalizeTaskId } from './metrics-tracker.js';
import type { AlertSeverity } from './types.js';

/** Severity levels in increasing order. */
export const SEVERITIES: readonly AlertSeverity[] = ['warning', 'error', 'critical'];

/** Thresholds per severity; give at least one. */
export interface SeverityThresholds {
  warning?: number;
  error?: number;
  critical?: number;
}

/**
 * Fires when a metric goes strictly `above` (loss, memory) or `below` (accuracy) a level; the
 * highest level crossed sets the severity. Non-finite values are left to the non-finite rule.
 */
export interface ThresholdRule extends SeverityThresholds {
  kind?: 'threshold';
  /** Unique per manager; defaults to `threshold:<metric>:<direction>[:task]`. */
  id?: string;
  metric: string;
  direction: 'above' | 'below';
  /** Only points of this task; all tasks when left out. */
  taskId?: TaskId;
  /** Minimum time between two alerts of this rule for one run and task, unless severity rises. */
  cooldownMs?: number;
}

/**
 * Forgetting: fires when the metric of an earlier task (one that is not the current task) falls
 * strictly more than a threshold below the best value that task ever had in this run. Thresholds
 * are drops in the metric's units (0.1 = ten accuracy points).
 */
export interface ForgettingRule extends SeverityThresholds {
  kind: 'forgetting';
  /** Unique per manager; defaults to `forgetting:<metric>`. */
  id?: string;
  metric: string;
  cooldownMs?: number;
}

/** Any alert rule. */
export type AlertRule = ThresholdRule | ForgettingRule;

/** A rule after validation, with every default filled in. */
export interface ResolvedRule {
  id: string;
  kind: 'threshold' | 'forgetting';
  metric: string;
  direction: 'above' | 'below';
  taskId: string | null;
  cooldownMs: number;
  /** Only the levels given, ordered warning → critical. */
  levels: Array<{ severity: AlertSeverity; threshold: number }>;
}

/**
 * Checks a rule at configuration time: the metric must be declared, thresholds finite and ordered
 * (for `above`: warning ≤ error ≤ critical; for `below` the reverse; forgetting drops > 0 and
 * increasing). Throws `UNKNOWN_METRIC`, `INVALID_THRESHOLD` or `INVALID_RULE` with the fix.
 */
export function resolveRule(rule: AlertRule, declaredMetrics: readonly string[], defaultCooldownMs: number): ResolvedRule {
  if (typeof rule !== 'object' || rule === null) {
    throw new MonitoringError('INVALID_RULE', `An alert rule must be an object, got ${describeValue(rule)}.`);
  }
  const kind = rule.kind ?? 'threshold';
  if (kind !== 'threshold' && kind !== 'forgetting') {
    throw new MonitoringError(
      'INVALID_RULE',
      `Alert rule kind ${describeValue(rule.kind)} is unknown; use 'threshold' or 'forgetting'.`,
    );
  }
  const label = `Alert rule ${rule.id !== undefined ? `'${rule.id}'` : `on ${describeValue(rule.metric)}`}`;
  if (typeof rule.metric !== 'string' || rule.metric === '') {
    throw new MonitoringError('INVALID_RULE', `${label}: metric ${describeValue(rule.metric)} must be a metric name.`);
  }
  if (!declaredMetrics.includes(rule.metric)) {
    const known = declaredMetrics.length > 0 ? declaredMetrics.join(', ') : '(none declared)';
    throw new MonitoringError(
      'UNKNOWN_METRIC',
      `${label} names unknown metric '${rule.metric}'; declared metrics: ${known}. ` +
        `Declare it with new MetricsTracker({ metrics: { '${rule.metric}': {} } }) or tracker.defineMetric('${rule.metric}') first.`,
    );
  }
  const direction = kind === 'forgetting' ? 'below' : (rule as ThresholdRule).direction;
  if (direction !== 'above' && direction !== 'below') {
    throw new MonitoringError('INVALID_RULE', `${label}: direction ${describeValue(direction)} must be 'above' or 'below'.`);
  }
  const levels = resolveLevels(rule, kind, direction, label);
  const cooldownMs = rule.cooldownMs ?? defaultCooldownMs;
  if (typeof cooldownMs !== 'number' || !Number.isFinite(cooldownMs) || cooldownMs < 0) {
    throw new MonitoringError('INVALID_RULE', `${label}: cooldownMs ${describeValue(cooldownMs)} must be a finite number ≥ 0.`);
  }
  const taskId = kind === 'threshold' ? normalizeTaskId((rule as ThresholdRule).taskId) : null;
  const id =
    rule.id ??
    (kind === 'forgetting'
      ? `forgetting:${rule.metric}`
      : `threshold:${rule.metric}:${direction}${taskId === null ? '' : `:${taskId}`}`);
  if (typeof id !== 'string' || id === '') {
    throw new MonitoringError('INVALID_RULE', `${label}: id ${describeValue(id)} must be a non-empty string.`);
  }
  return { id, kind, metric: rule.metric, direction, taskId, cooldownMs, levels };
}

function resolveLevels(
  rule: SeverityThresholds,
  kind: ResolvedRule['kind'],
  direction: ResolvedRule['direction'],
  label: string,
): ResolvedRule['levels'] {
  const levels: ResolvedRule['levels'] = [];
  for (const severity of SEVERITIES) {
    const threshold = rule[severity];
    if (threshold === undefined) continue;
    if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
      throw new MonitoringError(
        'INVALID_THRESHOLD',
        `${label}: ${severity} threshold ${describeValue(threshold)} must be a finite number.`,
      );
    }
    if (kind === 'forgetting' && threshold <= 0) {
      throw new MonitoringError(
        'INVALID_THRESHOLD',
        `${label}: forgetting ${severity} threshold ${threshold} must be a drop > 0 (e.g. 0.05 for five accuracy points).`,
      );
    }
    levels.push({ severity, threshold });
  }
  if (levels.length === 0) {
    throw new MonitoringError('INVALID_THRESHOLD', `${label}: give at least one of warning, error, critical.`);
  }
  // Forgetting thresholds are drops, so they grow with severity like an 'above' rule.
  const increasing = kind === 'forgetting' || direction === 'above';
  for (let i = 1; i < levels.length; i++) {
    const lower = levels[i - 1]!;
    const higher = levels[i]!;
    const ordered = increasing ? lower.threshold <= higher.threshold : lower.threshold >= higher.threshold;
    if (!ordered) {
      throw new MonitoringError(
        'INVALID_THRESHOLD',
        `${label}: ${higher.severity} threshold ${higher.threshold} must be ${increasing ? '≥' : '≤'} ` +
          `${lower.severity} threshold ${lower.threshold} (${kind === 'forgetting' ? 'a larger drop is more severe' : `direction '${direction}'`}).`,
      );
    }
  }
  return levels;
}

/** The most severe level `value` crosses, or undefined. Strict comparisons: equal to a level does not fire. */
export function crossedLevel(rule: ResolvedRule, value: number): ResolvedRule['levels'][number] | undefined {
  let crossed: ResolvedRule['levels'][number] | undefined;
  for (const level of rule.levels) {
    const beyond = rule.kind === 'forgetting' || rule.direction === 'above' ? value > level.threshold : value < level.threshold;
    if (beyond) crossed = level;
  }
  return crossed;
}

/** Orders severities: warning 1, error 2, critical 3. */
export function severityRank(severity: AlertSeverity): number {
  return SEVERITIES.indexOf(severity) + 1;
}
