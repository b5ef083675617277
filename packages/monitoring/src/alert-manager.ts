import { crossedLevel, resolveRule, severityRank, SEVERITIES, type AlertRule, type ResolvedRule } from './alert-rules.js';
import { describeValue, type TaskId } from '@holomind/core';
import { dropFromBest } from './accuracy-matrix.js';
import { MonitoringError, checkOption } from './errors.js';
import { Listeners } from './listeners.js';
import { normalizeTaskId, type MetricsTracker } from './metrics-tracker.js';
import type { AlertKind, AlertRecord, AlertSeverity, HealthStatus, MetricPoint } from './types.js';

/** Receives every fired alert, one at a time, off the training path. */
export type AlertHandler = (alert: AlertRecord) => void | Promise<void>;

/** Options of {@link AlertManager}. */
export interface AlertManagerOptions {
  /** The tracker whose points are checked; its declared metrics are the ones rules may name. */
  tracker: MetricsTracker;
  rules?: AlertRule[];
  handlers?: AlertHandler[];
  /** Cooldown for rules that set none. Default 60,000 ms. */
  cooldownMs?: number;
  /**
   * The built-in rule that raises an alert for every NaN or ±Infinity value of any metric
   * (cooldown per metric, run and task). Default `{ severity: 'critical' }`; `false` turns it off.
   */
  nonFinite?: { severity?: AlertSeverity; cooldownMs?: number } | false;
  /** Alerts kept in memory. Default 1,000. */
  historyLimit?: number;
  /** Alerts waiting for handlers beyond this are dropped oldest first (and counted). Default 10,000. */
  maxQueue?: number;
  /** Alerts in this window decide `health()`. Default 600,000 ms (10 minutes). */
  healthWindowMs?: number;
  /** Clock in milliseconds since the epoch; injectable for tests. Default `Date.now`. */
  now?: () => number;
  /** Called when a handler throws or rejects. Default: `console.error`. */
  onHandlerError?: (error: unknown, alert: AlertRecord) => void;
}

/** Selects alerts of the history. */
export interface AlertFilter {
  severity?: AlertSeverity;
  metric?: string;
  ruleId?: string;
  /** Only alerts at or after this time (ms since the epoch). */
  since?: number;
  /** The newest `limit` alerts. */
  limit?: number;
}

/** Overall health from the alerts of the last `windowMs`. */
export interface HealthReport {
  /** red: an error or critical alert in the window; yellow: a warning; green: none. */
  status: HealthStatus;
  windowMs: number;
  counts: Record<AlertSeverity, number>;
  lastAlert: AlertRecord | null;
}

/** Totals since the manager started. */
export interface AlertSummary {
  total: number;
  bySeverity: Record<AlertSeverity, number>;
  byRule: Record<string, number>;
  /** Alerts a cooldown held back. */
  suppressed: number;
  /** Alerts dropped because the handler queue was full. */
  dropped: number;
  handlerFailures: number;
  health: HealthReport;
}

interface CooldownState {
  wallTime: number;
  severity: AlertSeverity;
}

const NON_FINITE_RULE_ID = 'non-finite';

/**
 * Checks every logged point against threshold and forgetting rules and a built-in non-finite rule;
 * applies cooldowns, stores the history (memory and the tracker's sinks) and hands alerts to
 * handlers through an asynchronous queue so a slow handler never slows training.
 *
 * @example
 * ```ts
 * const alerts = new AlertManager({
 *   tracker,
 *   rules: [
 *     { metric: 'loss', direction: 'above', warning: 2, critical: 10 },
 *     { kind: 'forgetting', metric: 'accuracy', warning: 0.05, error: 0.15 },
 *   ],
 *   handlers: [consoleAlertHandler(), fileAlertHandler('alerts.jsonl')],
 * });
 * ```
 */
export class AlertManager {
  private readonly tracker: MetricsTracker;
  private readonly rules = new Map<string, ResolvedRule>();
  private readonly handlers: AlertHandler[];
  private readonly defaultCooldownMs: number;
  private readonly nonFinite: { severity: AlertSeverity; cooldownMs: number } | null;
  private readonly historyLimit: number;
  private readonly maxQueue: number;
  private readonly healthWindowMs: number;
  private readonly now: () => number;
  private readonly onHandlerError: (error: unknown, alert: AlertRecord) => void;
  private readonly history: AlertRecord[] = [];
  private readonly cooldowns = new Map<string, CooldownState>();
  /** Best value per forgetting rule, run and task. */
  private readonly bestValues = new Map<string, number>();
  /** Tasks per run in order of first appearance; the newest is the current task unless set. */
  private readonly taskOrder = new Map<string, string[]>();
  private readonly currentTasks = new Map<string, string>();
  private readonly queue: AlertRecord[] = [];
  private readonly listeners = new Listeners<AlertRecord>();
  private readonly totals = { total: 0, suppressed: 0, dropped: 0, handlerFailures: 0 };
  private readonly bySeverity: Record<AlertSeverity, number> = { warning: 0, error: 0, critical: 0 };
  private readonly byRule: Record<string, number> = {};
  private draining: Promise<void> | null = null;
  private sequence = 0;
  private readonly unsubscribe: () => void;

  constructor(options: AlertManagerOptions) {
    if (!options?.tracker || typeof options.tracker.subscribe !== 'function') {
      throw new MonitoringError('INVALID_ARGUMENT', 'AlertManager needs { tracker }: the MetricsTracker whose points it checks.');
    }
    this.tracker = options.tracker;
    this.defaultCooldownMs = checkOption.nonNegativeNumber('cooldownMs', options.cooldownMs ?? 60_000);
    this.historyLimit = checkOption.positiveInteger('historyLimit', options.historyLimit ?? 1000);
    this.maxQueue = checkOption.positiveInteger('maxQueue', options.maxQueue ?? 10_000);
    this.healthWindowMs = checkOption.nonNegativeNumber('healthWindowMs', options.healthWindowMs ?? 600_000);
    this.now = options.now ?? Date.now;
    this.onHandlerError =
      options.onHandlerError ??
      ((error, alert) => console.error(`[@holomind/monitoring] alert handler failed on ${alert.id}:`, error));
    if (options.nonFinite === false) {
      this.nonFinite = null;
    } else {
      const severity = options.nonFinite?.severity ?? 'critical';
      if (!SEVERITIES.includes(severity)) {
        throw new MonitoringError(
          'INVALID_RULE',
          `nonFinite.severity ${describeValue(severity)} must be one of ${SEVERITIES.join(', ')}.`,
        );
      }
      this.nonFinite = {
        severity,
        cooldownMs: checkOption.nonNegativeNumber(
          'nonFinite.cooldownMs',
          options.nonFinite?.cooldownMs ?? this.defaultCooldownMs,
        ),
      };
    }
    this.handlers = [];
    for (const handler of options.handlers ?? []) this.addHandler(handler);
    for (const rule of options.rules ?? []) this.addRule(rule);
    this.unsubscribe = this.tracker.subscribe((points) => this.check(points));
  }

  /** Validates and adds a rule; throws at once on an unknown metric or a bad threshold. Returns its id. */
  addRule(rule: AlertRule): string {
    const resolved = resolveRule(rule, this.tracker.declaredMetrics(), this.defaultCooldownMs);
    if (this.rules.has(resolved.id) || resolved.id === NON_FINITE_RULE_ID) {
      throw new MonitoringError('INVALID_RULE', `Alert rule id '${resolved.id}' is already used; give the rule a distinct id.`);
    }
    this.rules.set(resolved.id, resolved);
    return resolved.id;
  }

  removeRule(id: string): boolean {
    return this.rules.delete(id);
  }

  /** The validated rules, defaults filled in. */
  listRules(): ResolvedRule[] {
    return [...this.rules.values()].map((rule) => ({ ...rule, levels: rule.levels.map((level) => ({ ...level })) }));
  }

  addHandler(handler: AlertHandler): void {
    if (typeof handler !== 'function') {
      throw new MonitoringError(
        'INVALID_ARGUMENT',
        `An alert handler must be a function (alert) => void, got ${describeValue(handler)}.`,
      );
    }
    this.handlers.push(handler);
  }

  /** Calls `listener` synchronously with every fired alert (dashboards). Returns the unsubscribe function. */
  subscribe(listener: (alert: AlertRecord) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  /**
   * Marks `taskId` as the task being trained in `runId`, so forgetting rules watch every other task.
   * Without it, the task that appeared last in the run counts as current.
   */
  setCurrentTask(taskId: TaskId, runId: string = this.tracker.runId): void {
    this.currentTasks.set(runId, normalizeTaskId(taskId)!);
  }

  /** Checks points against every rule. The tracker calls this on each `log`; call it yourself for other sources. */
  check(points: readonly MetricPoint[]): AlertRecord[] {
    const fired: AlertRecord[] = [];
    for (const point of points) {
      this.noteTask(point);
      if (!Number.isFinite(point.value)) {
        if (this.nonFinite) this.fireNonFinite(point, fired);
        continue;
      }
      for (const rule of this.rules.values()) {
        if (rule.metric !== point.metric) continue;
        if (rule.kind === 'threshold') this.checkThreshold(rule, point, fired);
        else this.checkForgetting(rule, point, fired);
      }
    }
    return fired;
  }

  /** Stored alerts matching `filter`, oldest first. */
  getHistory(filter: AlertFilter = {}): AlertRecord[] {
    const selected = this.history.filter(
      (alert) =>
        (filter.severity === undefined || alert.severity === filter.severity) &&
        (filter.metric === undefined || alert.metric === filter.metric) &&
        (filter.ruleId === undefined || alert.ruleId === filter.ruleId) &&
        (filter.since === undefined || alert.wallTime >= filter.since),
    );
    return filter.limit === undefined ? selected : selected.slice(Math.max(0, selected.length - filter.limit));
  }

  health(): HealthReport {
    const since = this.now() - this.healthWindowMs;
    const counts: Record<AlertSeverity, number> = { warning: 0, error: 0, critical: 0 };
    for (const alert of this.history) if (alert.wallTime >= since) counts[alert.severity] += 1;
    const status: HealthStatus = counts.error + counts.critical > 0 ? 'red' : counts.warning > 0 ? 'yellow' : 'green';
    return { status, windowMs: this.healthWindowMs, counts, lastAlert: this.history.at(-1) ?? null };
  }

  summary(): AlertSummary {
    return { ...this.totals, bySeverity: { ...this.bySeverity }, byRule: { ...this.byRule }, health: this.health() };
  }

  /** Resolves when every queued alert has been handed to every handler. */
  async drain(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Stops checking new points and waits for the queue. */
  async close(): Promise<void> {
    this.unsubscribe();
    await this.drain();
  }

  private checkThreshold(rule: ResolvedRule, point: MetricPoint, fired: AlertRecord[]): void {
    if (rule.taskId !== null && rule.taskId !== point.taskId) return;
    const level = crossedLevel(rule, point.value);
    if (!level) return;
    const relation = rule.direction === 'above' ? '>' : '<';
    this.fire(rule.id, 'threshold', level.severity, point, rule.cooldownMs, fired, {
      threshold: level.threshold,
      reference: null,
      message: `${point.metric}${taskLabel(point)} = ${formatNumber(point.value)} ${relation} ${level.severity} threshold ${formatNumber(level.threshold)} at step ${point.step}`,
    });
  }

  private checkForgetting(rule: ResolvedRule, point: MetricPoint, fired: AlertRecord[]): void {
    if (point.taskId === null) return;
    const key = `${rule.id}\u0000${point.runId}\u0000${point.taskId}`;
    const best = this.bestValues.get(key);
    if (best === undefined || point.value > best) {
      this.bestValues.set(key, point.value);
      return;
    }
    if (point.taskId === this.currentTask(point.runId)) return;
    // The running best is the max over every earlier value of this task, so this is f_j over its history.
    const drop = dropFromBest([best], point.value);
    const level = crossedLevel(rule, drop);
    if (!level) return;
    this.fire(rule.id, 'forgetting', level.severity, point, rule.cooldownMs, fired, {
      threshold: level.threshold,
      reference: best,
      message:
        `Forgetting: ${point.metric} of earlier task ${point.taskId} fell from ${formatNumber(best)} to ${formatNumber(point.value)} ` +
        `(drop ${formatNumber(drop)} > ${level.severity} threshold ${formatNumber(level.threshold)}) at step ${point.step}`,
    });
  }

  private fireNonFinite(point: MetricPoint, fired: AlertRecord[]): void {
    const { severity, cooldownMs } = this.nonFinite!;
    this.fire(NON_FINITE_RULE_ID, 'non-finite', severity, point, cooldownMs, fired, {
      threshold: null,
      reference: null,
      message: `${point.metric}${taskLabel(point)} is ${String(point.value)} at step ${point.step}: the value was recorded; check the learning rate, inputs and loss for overflow.`,
    });
  }

  private fire(
    ruleId: string,
    kind: AlertKind,
    severity: AlertSeverity,
    point: MetricPoint,
    cooldownMs: number,
    fired: AlertRecord[],
    details: Pick<AlertRecord, 'threshold' | 'reference' | 'message'>,
  ): void {
    const now = this.now();
    const cooldownKey = `${ruleId}\u0000${point.metric}\u0000${point.runId}\u0000${point.taskId ?? ''}`;
    const previous = this.cooldowns.get(cooldownKey);
    if (previous && now - previous.wallTime < cooldownMs && severityRank(severity) <= severityRank(previous.severity)) {
      this.totals.suppressed += 1;
      return;
    }
    this.cooldowns.set(cooldownKey, { wallTime: now, severity });
    const alert: AlertRecord = {
      id: `${ruleId}#${++this.sequence}`,
      ruleId,
      kind,
      severity,
      metric: point.metric,
      runId: point.runId,
      taskId: point.taskId,
      step: point.step,
      value: point.value,
      wallTime: now,
      ...details,
    };
    fired.push(alert);
    this.store(alert);
    this.enqueue(alert);
  }

  private store(alert: AlertRecord): void {
    this.history.push(alert);
    if (this.history.length > this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit);
    this.totals.total += 1;
    this.bySeverity[alert.severity] += 1;
    this.byRule[alert.ruleId] = (this.byRule[alert.ruleId] ?? 0) + 1;
    this.tracker.forwardAlert(alert);
    for (const listener of this.listeners) {
      try {
        listener(alert);
      } catch (error) {
        this.reportHandlerError(error, alert);
      }
    }
  }

  private enqueue(alert: AlertRecord): void {
    if (this.handlers.length === 0) return;
    this.queue.push(alert);
    if (this.queue.length > this.maxQueue) {
      this.queue.shift();
      this.totals.dropped += 1;
    }
    if (!this.draining) {
      this.draining = this.runQueue().finally(() => {
        this.draining = null;
      });
    }
  }

  private async runQueue(): Promise<void> {
    // Yield first so handlers never run inside the caller's log().
    await Promise.resolve();
    while (this.queue.length > 0) {
      const alert = this.queue.shift()!;
      for (const handler of this.handlers) {
        try {
          await handler(alert);
        } catch (error) {
          this.reportHandlerError(error, alert);
        }
      }
    }
  }

  private reportHandlerError(error: unknown, alert: AlertRecord): void {
    this.totals.handlerFailures += 1;
    try {
      this.onHandlerError(error, alert);
    } catch (reporterError) {
      console.error('[@holomind/monitoring] onHandlerError threw:', reporterError, 'while reporting', error);
    }
  }

  private noteTask(point: MetricPoint): void {
    if (point.taskId === null) return;
    let order = this.taskOrder.get(point.runId);
    if (order === undefined) this.taskOrder.set(point.runId, (order = []));
    if (order.at(-1) !== point.taskId && !order.includes(point.taskId)) order.push(point.taskId);
  }

  private currentTask(runId: string): string | undefined {
    return this.currentTasks.get(runId) ?? this.taskOrder.get(runId)?.at(-1);
  }
}

function taskLabel(point: MetricPoint): string {
  return point.taskId === null ? '' : ` (task ${point.taskId})`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : Number(value.toPrecision(6)).toString();
}
