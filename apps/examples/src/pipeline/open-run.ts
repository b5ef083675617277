import path from 'node:path';
import { maskUrlCredentials, type JsonObject } from '@holomind/core';
import { ExperimentRepository, type Database, type Kysely } from '@holomind/db';
import { ProgressiveNetwork, type TrainingSessionState } from '@holomind/network';
import { StateStore } from '@holomind/state';
import type { BackendInfo } from '@holomind/tensor-kernels';
import type { BenchmarkTask } from '@holomind/data';
import type { HolomindConfig } from '../config/schema.js';
import { startBackend } from './backend.js';
import { buildBenchmark, type ContinualBenchmark } from './benchmark.js';
import { buildNetwork } from './build-model.js';
import { buildStrategy } from './build-strategy.js';
import type { ComposedStrategy } from '../strategies/compose.js';
import { checkDataUnchanged, type DataVersions } from './data-versions.js';
import { loadCheckpoint, runStateId, type RunProgress } from './checkpoint.js';
import { chooseRun, claimRun, markCrashedRuns, runOwner } from './run-registry.js';
import { startMonitoring, type RunMonitoring } from './monitoring.js';
import { byTask } from './record.js';
import { planStrategy, type StrategyPlan } from './strategy.js';
import type { TrainingReporter } from './reporter.js';
import { dataLabel } from './data-label.js';

/** Everything a run in progress holds; `progress` advances as tasks and epochs finish. */
export interface RunSession {
  config: HolomindConfig;
  db: Kysely<Database>;
  store: StateStore;
  /** The state id this run's checkpoints go under (its own, see `runStateId`). */
  stateId: string;
  /** The training session a mid-task checkpoint kept, until the task's training takes it over. */
  restoredSession?: TrainingSessionState;
  experiments: ExperimentRepository;
  backend: BackendInfo;
  benchmark: ContinualBenchmark;
  plan: StrategyPlan;
  tasks: BenchmarkTask[];
  network: ProgressiveNetwork;
  /** EWC, replay, distillation, nearest-mean: the parts the strategy trains with. */
  strategy: ComposedStrategy;
  progress: RunProgress;
  monitoring: RunMonitoring;
  reporter: TrainingReporter;
  alertCount: number;
  /** performance.now() when the run was opened. */
  startedAt: number;
}

/** What {@link openRun} needs. */
export interface OpenRunOptions {
  config: HolomindConfig;
  db: Kysely<Database>;
  reporter: TrainingReporter;
  /** Continue from the output folder's latest checkpoint; `resumeTasks` may extend the run. */
  resume?: boolean;
  resumeTasks?: number;
  /** The experiment id of the run to resume (default: the most recent unfinished one). */
  run?: string;
  /** When the checkpoint is damaged, resume from the newest intact earlier version. */
  fallback?: boolean;
}

/**
 * Opens a run: the backend, then either a checkpoint (resume: the chosen run's own configuration
 * wins, except where its outputs go (`-o`, `--db`) and the backend; more tasks may be asked for) or
 * a new experiment with its own state id, a fresh network and strategy; then monitoring keyed by
 * the experiment id. Runs of this machine that died while `running` are marked `crashed` first.
 */
export async function openRun(options: OpenRunOptions): Promise<RunSession> {
  const startedAt = performance.now();
  const { db, reporter } = options;
  let config = options.config;
  const store = new StateStore({ directory: path.join(config.output, 'states'), db });
  const experiments = new ExperimentRepository(db);
  for (const line of await markCrashedRuns(experiments)) reporter.info(line);
  // The backend named on the command line (or in the file) wins over the one a resumed run used.
  const backend = await startBackend(config);
  reporter.info(
    `Backend: ${backend.name}${backend.adapter ? ` (${backend.adapter.description})` : ''}${backend.skipped.length ? `; passed over ${backend.skipped.map((s) => s.name).join(', ')}` : ''}`,
  );
  let progress: RunProgress;
  let network: ProgressiveNetwork;
  let strategy: ComposedStrategy;
  let benchmark: ContinualBenchmark;
  let plan: StrategyPlan;
  let stateId: string;
  let restoredSession: TrainingSessionState | undefined;
  if (options.resume) {
    stateId = await chooseRun(store, experiments, options.run);
    const checkpoint = await loadCheckpoint(store, stateId, {
      fallback: options.fallback,
      onDamaged: (line) => reporter.info(line),
    });
    await claimRun(experiments, checkpoint.progress.experimentId);
    const saved = checkpoint.progress.config;
    config = {
      ...saved,
      backend: config.backend,
      output: config.output,
      db: config.db,
      training: { ...saved.training, tasks: Math.max(saved.training.tasks, options.resumeTasks ?? 0) },
    };
    progress = { ...checkpoint.progress, config };
    restoredSession = checkpoint.session;
    reporter.info(
      `Resuming experiment ${progress.experimentId} from checkpoint version ${checkpoint.version}: task ${progress.taskIndex + 1}, ${progress.epochsDone} epoch(s) done.`,
    );
    network = ProgressiveNetwork.fromState(checkpoint.network);
    // The checkpoint's fitted preprocessing, not a new fit: the inputs must be bit-identical.
    benchmark = await buildBenchmark(config, { preprocessing: checkpoint.preprocessing });
    const recorded = (await experiments.get(progress.experimentId)).dataVersions as DataVersions | null;
    checkDataUnchanged(recorded, benchmark.dataVersions);
    plan = planStrategy(config, benchmark.scenario);
    strategy = buildStrategy(config, plan, benchmark.tasks, checkpoint.strategy);
  } else {
    benchmark = await buildBenchmark(config);
    // Own data: its classes fix the number of tasks (classesPerTask), which the run then records.
    if (config.data) config = { ...config, training: { ...config.training, tasks: benchmark.tasks.length } };
    plan = planStrategy(config, benchmark.scenario);
    const experiment = await experiments.create({
      name: `${dataLabel(config)}/${config.strategy}`,
      // The database URL's password stays out of the experiment row (it is shown by `holomind` commands).
      hyperparameters: JSON.parse(JSON.stringify({ ...config, db: maskUrlCredentials(config.db) })),
      owner: runOwner(),
    });
    await experiments.recordDataVersions(experiment.id, benchmark.dataVersions as unknown as JsonObject);
    stateId = runStateId(experiment.id);
    progress = { experimentId: experiment.id, taskIndex: 0, epochsDone: 0, matrix: [], config };
    network = buildNetwork(config, plan, benchmark.inputShape);
    strategy = buildStrategy(config, plan, benchmark.tasks);
  }
  const session: RunSession = {
    config,
    db,
    store,
    stateId,
    restoredSession,
    experiments,
    backend,
    benchmark,
    plan,
    tasks: benchmark.tasks.slice(0, config.training.tasks),
    network,
    strategy,
    progress,
    monitoring: undefined as unknown as RunMonitoring,
    reporter,
    alertCount: 0,
    startedAt,
  };
  session.monitoring = startMonitoring(config, progress.experimentId, db, () => void session.alertCount++);
  // The evaluator restarts from the checkpoint's rows; they are in the database already.
  progress.matrix.forEach((row, index) => session.monitoring.evaluator.recordRow(`task-${index}`, byTask(row)));
  return session;
}
