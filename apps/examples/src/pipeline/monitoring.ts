import path from 'node:path';
import {
  AlertManager,
  callbackAlertHandler,
  ContinualEvaluator,
  MetricsTracker,
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

/**
 * Tracker (→ TensorBoard), accuracy matrix and a forgetting alert: an earlier task's accuracy
 * falling by more than `monitoring.forgettingAlert` from its best warns; twice that is an error.
 */
export function startMonitoring(config: HolomindConfig, runId: string, onAlert: (alert: AlertRecord) => void): RunMonitoring {
  const tensorboardDir = path.join(config.output, 'tensorboard', runId);
  const tensorboard = config.monitoring.tensorboard ? new TensorBoardWriter(tensorboardDir) : undefined;
  const tracker = new MetricsTracker({
    runId,
    metrics: {
      loss: { goal: 'minimize' },
      'current_task/test_accuracy': { goal: 'maximize' },
      accuracy: { goal: 'maximize' },
      average_accuracy: { goal: 'maximize' },
    },
    sinks: tensorboard ? [tensorBoardSink(tensorboard)] : [],
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
  const evaluator = new ContinualEvaluator({ tracker, metric: 'accuracy' });
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
      await tracker.close(); // flushes and closes the TensorBoard sink
    },
  };
}
