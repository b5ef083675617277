import path from 'node:path';
import type { Database, Kysely } from '@holomind/db';
import {
  AlertManager,
  callbackAlertHandler,
  ContinualEvaluator,
  MetricsTracker,
  SqlMetricSink,
  TensorBoardWriter,
  consoleAlertHandler,
  fileAlertHandler,
  tensorBoardSink,
  type AlertRecord,
} from '@holomind/monitoring';
import type { HolomindConfig } from '../config/schema.js';

/** The monitoring parts of one run. */
export interface RunMonitoring {
  tracker: MetricsTracker;
  evaluator: ContinualEvaluator;
  alerts: AlertManager;
  tensorboard: TensorBoardWriter | undefined;
  tensorboardDir: string;
  close(): Promise<void>;
}

/** How the run's metrics are named and which way is better. */
export const RUN_METRICS = {
  loss: { goal: 'minimize' },
  'current_task/test_accuracy': { goal: 'maximize' },
  accuracy: { goal: 'maximize' },
  average_accuracy: { goal: 'maximize' },
} as const;

/**
 * Tracker (→ the database's metric tables, the one place metrics are stored, and TensorBoard),
 * accuracy matrix and a forgetting alert: an earlier task's accuracy falling by more than
 * `monitoring.forgettingAlert` from its best warns; twice that is an error. Alerts reach the
 * database through the tracker's sinks.
 */
export function startMonitoring(
  config: HolomindConfig,
  runId: string,
  db: Kysely<Database>,
  onAlert: (alert: AlertRecord) => void,
): RunMonitoring {
  const tensorboardDir = path.join(config.output, 'tensorboard', runId);
  const tensorboard = config.monitoring.tensorboard ? new TensorBoardWriter(tensorboardDir) : undefined;
  const tracker = new MetricsTracker({
    runId,
    metrics: RUN_METRICS,
    sinks: [new SqlMetricSink(db), ...(tensorboard ? [tensorBoardSink(tensorboard)] : [])],
  });
  const threshold = config.monitoring.forgettingAlert;
  const alerts = new AlertManager({
    tracker,
    rules: [{ kind: 'forgetting', metric: 'accuracy', warning: threshold, error: threshold * 2, cooldownMs: 0 }],
    handlers: [
      fileAlertHandler(path.join(config.output, 'alerts.jsonl')),
      callbackAlertHandler(onAlert),
      ...(process.env.HOLOMIND_QUIET ? [] : [consoleAlertHandler()]),
    ],
  });
  // No tracker here: recordEvaluation logs each new cell once, so rows restored on resume are not stored twice.
  const evaluator = new ContinualEvaluator();
  let closed = false;
  return {
    tracker,
    evaluator,
    alerts,
    tensorboard,
    tensorboardDir,
    async close() {
      if (closed) return;
      closed = true;
      await alerts.close();
      await tracker.close(); // flushes and closes the SQL and TensorBoard sinks
    },
  };
}
