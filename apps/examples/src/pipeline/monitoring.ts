import { mkdirSync, writeFileSync } from 'node:fs';
import { cacheVariablesOnHost } from '@holomind/tensor-kernels';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Database, Kysely } from '@holomind/db';
import type { ExternalMemory } from '@holomind/memory';
import {
  AlertManager,
  DashboardData,
  MEMORY_HEALTH_THRESHOLDS,
  memoryHealth,
  PerformanceMonitor,
  startDashboardServer,
  type DashboardServer,
  ResourceSampler,
  type HParamValue,
  type MemoryHealth,
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
import { dataLabel } from './data-label.js';

/** The monitoring parts of one run. */
export interface RunMonitoring {
  tracker: MetricsTracker;
  evaluator: ContinualEvaluator;
  alerts: AlertManager;
  tensorboard: TensorBoardWriter | undefined;
  tensorboardDir: string;
  /** The external memory's reads (reconstructions) and writes (captures), counted and timed per column. */
  performance: PerformanceMonitor;
  /** Sampled at the per-step points (no timer of its own). */
  resources: ResourceSampler;
  /** The memory's latest health (green / yellow / red), when the network has an external memory. */
  memoryHealth: MemoryHealth | undefined;
  /** Wall time spent inside the monitoring (per-step hooks, opening, closing), in seconds. */
  hookSeconds: number;
  /** The same time by part: losses, gradient_norm, histograms, evaluation, resources, attach, close. */
  hookBreakdown: Record<string, number>;
  /** Runs `work`, adding its wall time to the hook time under `part`. */
  timed<T>(part: string, work: () => T): T;
  /** Adds the wall time since `started` (a `performance.now()`) to the hook time under `part`. */
  addHookTime(part: string, started: number): void;
  /** Optimizer steps run so far in the whole run (the per-step scheme, see steps.ts). */
  globalStep: number;
  /** The fixed held-out subsets evaluated during training, by task index. */
  heldOut: Map<number, { inputs: tf.Tensor2D; labels: Int32Array }>;
  /** The network column being trained (the performance monitor's layer name). */
  currentColumn: string;
  /** True once the last task's accuracy row is recorded (the HParams session then ends as a success). */
  completed: boolean;
  /**
   * Once per process: the optimizer-step counter restored from the database (resume), the memory's
   * operations fed to `performance` under `column`, and the configuration as TensorBoard text and hyperparameters.
   */
  attach(memory: ExternalMemory | undefined, column: () => string): Promise<void>;
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
  const sql = new SqlMetricSink(db);
  const tracker = new MetricsTracker({
    runId,
    metrics: RUN_METRICS,
    sinks: [sql, ...(tensorboard ? [tensorBoardSink(tensorboard)] : [])],
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
  let attached = false;
  let attachedMemory: ExternalMemory | undefined;
  let stopObserving = () => {};
  const monitoring: RunMonitoring = {
    tracker,
    evaluator,
    alerts,
    tensorboard,
    tensorboardDir,
    performance: new PerformanceMonitor(),
    resources: new ResourceSampler(),
    memoryHealth: undefined,
    globalStep: 0,
    hookSeconds: 0,
    hookBreakdown: {},
    timed(part, work) {
      const started = performance.now();
      try {
        return work();
      } finally {
        monitoring.addHookTime(part, started);
      }
    },
    addHookTime(part, started) {
      const seconds = (performance.now() - started) / 1000;
      monitoring.hookSeconds += seconds;
      monitoring.hookBreakdown[part] = (monitoring.hookBreakdown[part] ?? 0) + seconds;
    },
    heldOut: new Map(),
    completed: false,
    currentColumn: 'shared',
    async attach(memory, column) {
      if (attached) return;
      attached = true;
      const started = performance.now();
      const marks = await sql.readPoints({ runId, metric: 'progress/optimizer_step' });
      monitoring.globalStep = Math.max(0, ...marks.map((point) => point.value));
      if (memory) {
        attachedMemory = memory;
        stopObserving = memory.observe(({ kind, items, seconds }) => {
          if (kind === 'write') monitoring.performance.recordCapture(column(), items, seconds);
          else monitoring.performance.recordReconstruction(column(), items, seconds);
        });
      }
      if (config.monitoring.dashboard) {
        const hyperparameters = flattenHParams(config);
        const details = () => ({
          runs: { [runId]: `${dataLabel(config)}/${config.strategy}` },
          hyperparameters: { [runId]: hyperparameters },
          memory: memory ? { health: monitoring.memoryHealth ?? null, performance: monitoring.performance.getStats() } : null,
        });
        const server = await startDashboardServer({
          data: new DashboardData({ tracker, alerts, evaluator, details }),
          port: config.monitoring.dashboardPort,
          title: `HoloMind: ${dataLabel(config)}/${config.strategy}`,
        });
        liveDashboards.add(server);
        process.stdout.write(`Dashboard: ${server.url}\n`);
      }
      if (tensorboard) {
        tensorboard.addText('config', '```json\n' + JSON.stringify(config, null, 2) + '\n```', monitoring.globalStep);
        tensorboard.addHParams(flattenHParams(config), { metricTags: HPARAM_METRICS, groupName: runId });
      }
      monitoring.addHookTime('attach', started);
    },
    async close() {
      if (closed) return;
      closed = true;
      const started = performance.now();
      stopObserving();
      tf.dispose([...monitoring.heldOut.values()].map((subset) => subset.inputs));
      monitoring.heldOut.clear();
      tensorboard?.endHParamsSession(monitoring.completed ? 'success' : 'failure');
      if (attachedMemory) {
        // The performance monitor's full statistics and the memory's health, for the report's JSON.
        const file = monitoringSummaryFile(config.output, runId);
        mkdirSync(path.dirname(file), { recursive: true });
        await cacheVariablesOnHost(); // stats() reads usage synchronously, which WebGPU in Node cannot
        const health = memoryHealth(monitoring.performance.getStats(), attachedMemory.stats());
        writeFileSync(
          file,
          JSON.stringify(
            { memory: { health, performance: monitoring.performance.getStats(), thresholds: MEMORY_HEALTH_THRESHOLDS } },
            null,
            2,
          ),
        );
      }
      // The final flush, timed, then the monitoring's own time stored (closing writes only these few points).
      let flushError: unknown;
      await tracker.flush().catch((error: unknown) => (flushError = error)); // rethrown once everything is closed
      monitoring.addHookTime('close', started);
      if (config.monitoring.perStep) {
        const parts = Object.entries(monitoring.hookBreakdown).map(([part, seconds]) => [
          `monitoring/hook_seconds/${part}`,
          seconds,
        ]);
        tracker.log(
          { 'monitoring/hook_seconds': monitoring.hookSeconds, ...Object.fromEntries(parts) },
          { step: monitoring.globalStep },
        );
      }
      await alerts.close();
      await tracker.close(); // flushes and closes the SQL and TensorBoard sinks
      if (flushError !== undefined) throw flushError;
    },
  };
  return monitoring;
}

/** Where a run's monitoring leaves the memory's performance statistics and health: `<output>/monitoring/<run id>.json`. */
export function monitoringSummaryFile(output: string, runId: string): string {
  return path.join(output, 'monitoring', `${runId}.json`);
}

const liveDashboards = new Set<DashboardServer>();

/** Dashboards `train --dashboard` started; they outlive the run's monitoring, so the finished run stays on screen. */
export function liveDashboardCount(): number {
  return liveDashboards.size;
}

/** Closes every dashboard the runs of this process started. */
export async function closeLiveDashboards(): Promise<void> {
  const servers = [...liveDashboards];
  liveDashboards.clear();
  await Promise.all(servers.map((server) => server.close()));
}

/** The scalars TensorBoard's HParams tab shows beside each run's hyperparameters. */
export const HPARAM_METRICS = [
  'average_accuracy',
  'final/average_accuracy',
  'final/backward_transfer',
  'final/average_forgetting',
];

/** The configuration as flat hyperparameters (`training.epochs`, …); lists become text. */
export function flattenHParams(value: unknown, prefix = '', into: Record<string, HParamValue> = {}): Record<string, HParamValue> {
  if (value === null || value === undefined) return into;
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flattenHParams(inner, prefix ? `${prefix}.${key}` : key, into);
  } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    into[prefix] = value;
  } else {
    into[prefix] = JSON.stringify(value);
  }
  return into;
}
