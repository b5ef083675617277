import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { callbackAlertHandler, consoleAlertHandler, fileAlertHandler } from './alert-handlers.js';
import { AlertManager } from './alert-manager.js';
import type { AlertRule } from './alert-rules.js';
import { MonitoringError } from './errors.js';
import { MetricsTracker } from './metrics-tracker.js';
import type { AlertRecord, MetricSink } from './types.js';

/** A clock the test moves by hand, so cooldowns are checked without waiting. */
function manualClock(start = 1_000_000) {
  let time = start;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

function setup(rules: AlertRule[], extra: Partial<ConstructorParameters<typeof AlertManager>[0]> = {}) {
  const clock = manualClock();
  const stored: AlertRecord[] = [];
  const alertStore: MetricSink = { writePoints() {}, writeAlert: (alert) => void stored.push(alert) };
  const tracker = new MetricsTracker({
    runId: 'run-1',
    now: clock.now,
    metrics: { loss: { goal: 'minimize' }, accuracy: { goal: 'maximize' } },
    sinks: [alertStore],
  });
  const alerts = new AlertManager({ tracker, rules, now: clock.now, ...extra });
  return { clock, tracker, alerts, stored };
}

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (MonitoringError.isInstance(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  return undefined;
}

describe('AlertManager rules', () => {
  it('fires the most severe level crossed, strictly, for above and below rules', () => {
    const { tracker, alerts } = setup(
      [
        { metric: 'loss', direction: 'above', warning: 1, error: 2, critical: 5, cooldownMs: 0 },
        { metric: 'accuracy', direction: 'below', warning: 0.8, critical: 0.5, cooldownMs: 0 },
      ],
      { nonFinite: false },
    );
    tracker.log({ loss: 1 }); // equal to the warning level: no alert
    tracker.log({ loss: 1.5 });
    tracker.log({ loss: 2.5 });
    tracker.log({ loss: 7 });
    tracker.log({ accuracy: 0.9 });
    tracker.log({ accuracy: 0.7 });
    tracker.log({ accuracy: 0.3 });
    expect(alerts.getHistory().map((alert) => [alert.metric, alert.severity, alert.value, alert.threshold])).toEqual([
      ['loss', 'warning', 1.5, 1],
      ['loss', 'error', 2.5, 2],
      ['loss', 'critical', 7, 5],
      ['accuracy', 'warning', 0.7, 0.8],
      ['accuracy', 'critical', 0.3, 0.5],
    ]);
    expect(alerts.getHistory()[2]!.message).toBe('loss = 7 > critical threshold 5 at step 3');
  });

  it('respects the cooldown per rule, run and task, but lets a higher severity through', () => {
    const { clock, tracker, alerts } = setup([{ metric: 'loss', direction: 'above', warning: 1, error: 3, cooldownMs: 60_000 }]);
    tracker.log({ loss: 2 }); // fires warning
    clock.advance(10_000);
    tracker.log({ loss: 2.5 }); // same severity inside cooldown: suppressed
    tracker.log({ loss: 2 }, { taskId: 1 }); // another task: its own cooldown
    clock.advance(10_000);
    tracker.log({ loss: 4 }); // escalates to error: fires despite cooldown
    clock.advance(10_000);
    tracker.log({ loss: 2 }); // warning after an error, inside cooldown: suppressed
    clock.advance(60_000);
    tracker.log({ loss: 2 }); // cooldown over: fires
    expect(alerts.getHistory().map((alert) => [alert.severity, alert.taskId, alert.wallTime - 1_000_000])).toEqual([
      ['warning', null, 0],
      ['warning', '1', 10_000],
      ['error', null, 20_000],
      ['warning', null, 90_000],
    ]);
    expect(alerts.summary()).toMatchObject({ total: 4, suppressed: 2, bySeverity: { warning: 3, error: 1, critical: 0 } });
  });

  it('raises forgetting when an earlier task falls more than the threshold below its best, ignoring the current task', () => {
    const { tracker, alerts } = setup([{ kind: 'forgetting', metric: 'accuracy', warning: 0.1, error: 0.3, cooldownMs: 0 }]);
    tracker.log({ accuracy: 0.8 }, { taskId: 'A', step: 1 });
    tracker.log({ accuracy: 0.9 }, { taskId: 'A', step: 2 });
    tracker.log({ accuracy: 0.7 }, { taskId: 'A', step: 3 }); // A is still the current task: no alert
    tracker.log({ accuracy: 0.5 }, { taskId: 'B', step: 4 }); // B starts: A is now an earlier task
    tracker.log({ accuracy: 0.85 }, { taskId: 'A', step: 5 }); // drop 0.05 from best 0.9: fine
    tracker.log({ accuracy: 0.75 }, { taskId: 'A', step: 6 }); // drop 0.15 > 0.1: warning
    tracker.log({ accuracy: 0.55 }, { taskId: 'A', step: 7 }); // drop 0.35 > 0.3: error
    tracker.log({ accuracy: 0.3 }, { taskId: 'B', step: 8 }); // B is current: ignored
    const history = alerts.getHistory();
    expect(history.map((alert) => [alert.kind, alert.severity, alert.taskId, alert.step, alert.reference])).toEqual([
      ['forgetting', 'warning', 'A', 6, 0.9],
      ['forgetting', 'error', 'A', 7, 0.9],
    ]);
    expect(history[0]!.message).toMatch(/earlier task A fell from 0\.9 to 0\.75 \(drop 0\.15 > warning threshold 0\.1\)/);

    alerts.setCurrentTask('C'); // with an explicit current task, B is earlier too
    tracker.log({ accuracy: 0.1 }, { taskId: 'B', step: 9 });
    expect(alerts.getHistory().at(-1)).toMatchObject({ taskId: 'B', severity: 'error', reference: 0.5 });
  });

  it('stores every alert in memory and in the tracker sinks, and derives health from the recent window', () => {
    const { clock, tracker, alerts, stored } = setup(
      [{ metric: 'loss', direction: 'above', warning: 1, critical: 10, cooldownMs: 0 }],
      {
        healthWindowMs: 60_000,
      },
    );
    expect(alerts.health().status).toBe('green');
    tracker.log({ loss: 2 });
    expect(alerts.health().status).toBe('yellow');
    tracker.log({ loss: 20 });
    expect(alerts.health()).toMatchObject({ status: 'red', counts: { warning: 1, error: 0, critical: 1 } });
    expect(stored.map((alert) => alert.id)).toEqual(alerts.getHistory().map((alert) => alert.id));
    expect(alerts.getHistory({ severity: 'critical' })).toHaveLength(1);
    clock.advance(61_000);
    expect(alerts.health().status).toBe('green');
    expect(alerts.getHistory()).toHaveLength(2);
  });
});

describe('AlertManager with NaN and Infinity', () => {
  it('records non-finite values, raises a critical alert and never throws', () => {
    const { tracker, alerts } = setup([{ metric: 'loss', direction: 'above', warning: 1 }]);
    expect(() => tracker.log({ loss: Number.NaN, accuracy: 0.5 }, { step: 3 })).not.toThrow();
    expect(() => tracker.log({ loss: Number.POSITIVE_INFINITY }, { step: 4, taskId: 2 })).not.toThrow();
    expect(tracker.series({ metric: 'loss' }).flatMap((series) => series.values)).toEqual([Number.NaN, Number.POSITIVE_INFINITY]);
    expect(tracker.statistics({ metric: 'loss' })).toMatchObject({ count: 2, nonFiniteCount: 2 });
    const history = alerts.getHistory();
    expect(history.map((alert) => [alert.kind, alert.severity, alert.value, alert.step])).toEqual([
      ['non-finite', 'critical', Number.NaN, 3],
      ['non-finite', 'critical', Number.POSITIVE_INFINITY, 4],
    ]);
    expect(history[0]!.message).toMatch(/^loss is NaN at step 3/);
    // The threshold rule ignores non-finite values: no second alert for +Infinity > 1.
    expect(alerts.summary().byRule).toEqual({ 'non-finite': 2 });
  });
});

describe('AlertManager configuration errors', () => {
  const { tracker } = setup([]);
  const make = (rule: unknown) => () => new AlertManager({ tracker, rules: [rule as AlertRule] });

  it('rejects a rule on an unknown metric, naming the declared ones and the fix', () => {
    expect(codeOf(make({ metric: 'los', direction: 'above', warning: 1 }))).toBe(
      'UNKNOWN_METRIC: Alert rule on "los" names unknown metric \'los\'; declared metrics: accuracy, loss. ' +
        "Declare it with new MetricsTracker({ metrics: { 'los': {} } }) or tracker.defineMetric('los') first.",
    );
  });

  it('rejects non-finite, non-numeric, missing and misordered thresholds', () => {
    expect(codeOf(make({ metric: 'loss', direction: 'above', warning: Number.NaN }))).toMatch(
      /^INVALID_THRESHOLD: .*warning threshold NaN must be a finite number/,
    );
    expect(codeOf(make({ metric: 'loss', direction: 'above', error: Infinity }))).toMatch(
      /^INVALID_THRESHOLD: .*error threshold Infinity/,
    );
    expect(codeOf(make({ metric: 'loss', direction: 'above', critical: '5' }))).toMatch(
      /^INVALID_THRESHOLD: .*critical threshold "5"/,
    );
    expect(codeOf(make({ metric: 'loss', direction: 'above' }))).toMatch(
      /^INVALID_THRESHOLD: .*at least one of warning, error, critical/,
    );
    expect(codeOf(make({ metric: 'loss', direction: 'above', warning: 5, critical: 2 }))).toMatch(
      /^INVALID_THRESHOLD: .*critical threshold 2 must be ≥ warning threshold 5/,
    );
    expect(codeOf(make({ metric: 'accuracy', direction: 'below', warning: 0.5, error: 0.8 }))).toMatch(
      /^INVALID_THRESHOLD: .*error threshold 0.8 must be ≤ warning threshold 0.5/,
    );
    expect(codeOf(make({ kind: 'forgetting', metric: 'accuracy', warning: -0.1 }))).toMatch(
      /^INVALID_THRESHOLD: .*must be a drop > 0/,
    );
  });

  it('rejects a bad direction, kind, cooldown or a duplicate id', () => {
    expect(codeOf(make({ metric: 'loss', direction: 'up', warning: 1 }))).toMatch(/^INVALID_RULE: .*direction "up"/);
    expect(codeOf(make({ kind: 'spike', metric: 'loss', warning: 1 }))).toMatch(/^INVALID_RULE: .*kind "spike" is unknown/);
    expect(codeOf(make({ metric: 'loss', direction: 'above', warning: 1, cooldownMs: -5 }))).toMatch(
      /^INVALID_RULE: .*cooldownMs -5/,
    );
    const alerts = new AlertManager({ tracker, rules: [{ id: 'x', metric: 'loss', direction: 'above', warning: 1 }] });
    expect(codeOf(() => alerts.addRule({ id: 'x', metric: 'accuracy', direction: 'below', warning: 0.5 }))).toMatch(
      /^INVALID_RULE: .*'x' is already used/,
    );
  });
});

describe('AlertManager handlers', () => {
  it('runs handlers after log returns, in order, through the queue: console, file and callback', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-alerts-'));
    try {
      const lines: string[] = [];
      const seen: string[] = [];
      const file = path.join(folder, 'logs', 'alerts.jsonl');
      const { tracker, alerts } = setup([{ metric: 'loss', direction: 'above', warning: 1, critical: 5, cooldownMs: 0 }], {
        handlers: [
          consoleAlertHandler({
            warn: (line) => lines.push(`warn ${String(line)}`),
            error: (line) => lines.push(`error ${String(line)}`),
          }),
          fileAlertHandler(file),
          callbackAlertHandler(async (alert) => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            seen.push(alert.id);
          }),
        ],
      });
      tracker.log({ loss: 2 });
      tracker.log({ loss: Number.NaN });
      tracker.log({ loss: 6 });
      expect(seen).toEqual([]); // nothing ran inside log()
      await alerts.drain();
      expect(seen).toEqual(alerts.getHistory().map((alert) => alert.id));
      expect(lines).toEqual([
        'warn [holomind warning] loss = 2 > warning threshold 1 at step 0 (rule threshold:loss:above, run run-1)',
        expect.stringMatching(/^error \[holomind critical\] loss is NaN at step 1/),
        'error [holomind critical] loss = 6 > critical threshold 5 at step 2 (rule threshold:loss:above, run run-1)',
      ]);
      const written = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(written.map((alert) => [alert.severity, alert.value])).toEqual([
        ['warning', 2],
        ['critical', 'NaN'],
        ['critical', 6],
      ]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('reports a failing handler and still runs the others', async () => {
    const failures: string[] = [];
    const seen: string[] = [];
    const { tracker, alerts } = setup([{ metric: 'loss', direction: 'above', warning: 1 }], {
      handlers: [
        () => {
          throw new Error('pager offline');
        },
        (alert) => void seen.push(alert.id),
      ],
      onHandlerError: (error, alert) => failures.push(`${alert.id}: ${(error as Error).message}`),
    });
    tracker.log({ loss: 3 });
    await alerts.drain();
    expect(failures).toEqual(['threshold:loss:above#1: pager offline']);
    expect(seen).toEqual(['threshold:loss:above#1']);
    expect(alerts.summary().handlerFailures).toBe(1);
  });
});
