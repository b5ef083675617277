import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ExperimentRepository, type Database, type Kysely } from '@holomind/db';
import { EwcConsolidator } from '@holomind/ewc';
import { ExternalMemory } from '@holomind/memory';
import { ProgressiveNetwork, type TaskData } from '@holomind/network';
import { StateStore } from '@holomind/state';
import type { BackendInfo } from '@holomind/tensor-kernels';
import type { BenchmarkTask } from '@holomind/data';
import type { HolomindConfig } from '../config/schema.js';
import { startBackend } from './backend.js';
import { buildBenchmark, type ContinualBenchmark } from './benchmark.js';
import { checkpointEntries, loadLatestCheckpoint, RUN_STATE_ID, type RunProgress } from './checkpoint.js';
import { openDatabase } from './database.js';
import { startMonitoring } from './monitoring.js';
import { planStrategy, type StrategyPlan } from './strategy.js';
import type { TrainingReporter } from './reporter.js';

/** How a run ended. */
export interface RunSummary {
  experimentId: string;
  strategy: HolomindConfig['strategy'];
  benchmark: HolomindConfig['benchmark'];
  scenario: ContinualBenchmark['scenario'];
  backend: BackendInfo;
  /** Row i: accuracy on every task after training task i (null: not yet seen). */
  matrix: number[][];
  averageAccuracy: number;
  /** Largest drop of any earlier task from its accuracy right after it was learned (points, 0..1). */
  maxForgetting: number;
  alerts: number;
  tensorboardDir: string;
  seconds: number;
}

/** Tensors of one split of one task; disposed by the caller. */
function taskTensors(task: BenchmarkTask, split: 'train' | 'test', columnId: string): TaskData {
  const data = task[split];
  const examples = data.labels.length;
  return {
    taskId: columnId,
    inputs: tf.tensor2d(data.features, [examples, data.features.length / examples]),
    labels: tf.tensor1d(data.labels, 'int32'),
  };
}

function columnFor(plan: StrategyPlan, taskIndex: number): string {
  return plan.columnPerTask ? `task-${taskIndex}` : 'shared';
}

function buildNetwork(config: HolomindConfig, plan: StrategyPlan, inputShape: number[]): ProgressiveNetwork {
  const memory = plan.memory
    ? new ExternalMemory({
        slots: config.memory.slots,
        keySize: config.memory.keySize,
        valueSize: config.memory.valueSize,
        heads: config.memory.heads,
        similarity: config.memory.similarity,
        importanceThreshold: config.memory.writeThreshold,
        writePolicy: config.memory.policy,
      })
    : undefined;
  return new ProgressiveNetwork({
    inputShape,
    extractor: plan.extractor,
    freezeExtractor: plan.freezeExtractor,
    column: { hiddenSizes: config.network.columnHidden, activation: config.network.activation, dropout: config.network.dropout },
    maxColumns: Math.max(config.network.maxColumns, plan.columnPerTask ? config.training.tasks : 1),
    seed: config.seed,
    memory,
  });
}

/** The variables EWC protects: the shared extractor in task-IL, everything trainable with one head. */
function protectedVariables(network: ProgressiveNetwork, plan: StrategyPlan, columnId: string): tf.Variable[] {
  return plan.columnPerTask ? network.sharedVariables() : [...network.sharedVariables(), ...network.columnVariables(columnId)];
}

/** Options of {@link runTraining}. */
export interface RunTrainingOptions {
  config: HolomindConfig;
  /** Continue from the output folder's latest checkpoint (after a crash too). */
  resume?: boolean;
  /** When resuming, train up to this many tasks in all (go on to new tasks); default: the run's own count. */
  resumeTasks?: number;
  reporter: TrainingReporter;
  /** Use this database instead of opening `config.db` (tests, compare). */
  db?: Kysely<Database>;
}

/**
 * The reference pipeline: data → progressive network (+ external memory) → EWC → checkpoints in
 * HDF5 with SQL metadata → experiment metrics in SQL → TensorBoard, accuracy matrix, forgetting alerts.
 */
export async function runTraining(options: RunTrainingOptions): Promise<RunSummary> {
  const started = performance.now();
  const { reporter } = options;
  let config = options.config;
  // Fail on the database before spending any time on data or training.
  const db = options.db ?? (await openDatabase(config.db));
  const store = new StateStore({ directory: path.join(config.output, 'states'), db });
  const experiments = new ExperimentRepository(db);
  const disposables: Array<{ dispose(): void }> = [];
  // Closed on every way out, so TensorBoard files and queued alerts are flushed even when a task fails.
  let closeMonitoring: (() => Promise<void>) | undefined;
  try {
    // The backend named on the command line (or in the file) wins over the one a resumed run used.
    const backend = await startBackend(config);
    reporter.info(
      `Backend: ${backend.name}${backend.adapter ? ` (${backend.adapter.description})` : ''}${backend.skipped.length ? `; passed over ${backend.skipped.map((s) => s.name).join(', ')}` : ''}`,
    );
    let progress!: RunProgress;
    let network!: ProgressiveNetwork;
    let ewc: EwcConsolidator | undefined;
    if (options.resume) {
      const checkpoint = await loadLatestCheckpoint(store);
      // The run's own configuration wins, but more tasks may be asked for ("go on to new tasks").
      const saved = checkpoint.progress.config;
      config = {
        ...saved,
        backend: config.backend,
        training: { ...saved.training, tasks: Math.max(saved.training.tasks, options.resumeTasks ?? 0) },
      };
      progress = { ...checkpoint.progress, config };
      reporter.info(
        `Resuming experiment ${progress.experimentId} from checkpoint version ${checkpoint.version}: task ${progress.taskIndex + 1}, ${progress.epochsDone} epoch(s) done.`,
      );
      network = ProgressiveNetwork.fromState(checkpoint.network);
      ewc = checkpoint.ewc ? EwcConsolidator.fromState(checkpoint.ewc) : undefined;
    }
    const benchmark = await buildBenchmark(config);
    const plan = planStrategy(config, benchmark.scenario);
    if (!options.resume) {
      const experiment = await experiments.create({
        name: `${config.benchmark}/${config.strategy}`,
        hyperparameters: JSON.parse(JSON.stringify(config)),
      });
      progress = { experimentId: experiment.id, taskIndex: 0, epochsDone: 0, matrix: [], config };
      network = buildNetwork(config, plan, benchmark.inputShape);
      ewc = plan.ewc
        ? new EwcConsolidator({
            lambda: config.ewc.lambda,
            mode: plan.ewc,
            gamma: config.ewc.gamma,
            fisher: config.ewc.fisher,
            normalize: config.ewc.normalize,
          })
        : undefined;
    }
    disposables.push(network);
    if (ewc) disposables.push(ewc);
    let alertCount = 0;
    const monitoring = startMonitoring(config, progress.experimentId, () => void alertCount++);
    closeMonitoring = () => monitoring.close();
    progress.matrix.forEach((row, index) => monitoring.evaluator.recordRow(`task-${index}`, row));

    const tasks = benchmark.tasks.slice(0, config.training.tasks);
    const saveCheckpoint = async (description: string) => {
      const saved = await store.save(RUN_STATE_ID, checkpointEntries(progress, network.toState(), ewc?.toState()), {
        description,
        metrics: progress.matrix.length ? { average_accuracy: mean(progress.matrix.at(-1)!) } : {},
      });
      reporter.checkpoint(saved.version, description);
    };

    for (let taskIndex = progress.taskIndex; taskIndex < tasks.length; taskIndex++) {
      const task = tasks[taskIndex]!;
      const columnId = columnFor(plan, taskIndex);
      if (!network.taskIds.includes(columnId)) network.addTask(columnId, { outputSize: task.outputSize });
      const train = taskTensors(task, 'train', columnId);
      const test = taskTensors(task, 'test', columnId);
      try {
        const target = protectedVariables(network, plan, columnId);
        const regularizer = ewc ? () => ewc!.penalty(target) : undefined;
        reporter.startTask(taskIndex, tasks.length, task.classes, config.training.epochs, progress.epochsDone);
        let sessionKept = false;
        for (let epoch = progress.epochsDone; epoch < config.training.epochs; epoch++) {
          const trainOptions = {
            epochs: 1,
            batchSize: config.training.batchSize,
            optimizer: { name: 'adam' as const, learningRate: config.training.learningRate },
            preserveState: true,
            regularizer,
            gradientAccumulation: config.performance.gradientAccumulation,
            shrinkBatchAboveBytes: config.performance.shrinkBatchAboveBytes,
            onStep: (step: { loss: number; step: number }) => reporter.step(step.loss),
          };
          const result = sessionKept ? await network.resumeTraining(train) : await network.train(train, trainOptions);
          sessionKept = true;
          const evaluation = await network.evaluate(test);
          const loss = result.epochLosses.at(-1) ?? Number.NaN;
          monitoring.tracker.log(
            { loss, 'current_task/test_accuracy': evaluation.accuracy },
            { taskId: `task-${taskIndex}`, step: taskIndex * config.training.epochs + epoch },
          );
          await experiments.logMetrics(progress.experimentId, {
            task: taskIndex,
            step: epoch,
            metrics: { loss, test_accuracy: evaluation.accuracy },
          });
          reporter.endEpoch(epoch, loss, evaluation.accuracy);
          if (network.memory && (epoch + 1) % config.performance.cleanupEvery === 0) network.memory.cleanup();
          progress = { ...progress, taskIndex, epochsDone: epoch + 1 };
          const lastEpoch = epoch + 1 === config.training.epochs;
          if (!lastEpoch && (epoch + 1) % config.performance.checkpointEvery === 0)
            await saveCheckpoint(`task ${taskIndex + 1}, epoch ${epoch + 1}`);
        }
        if (ewc) {
          const summary = await ewc.consolidate(
            target,
            { inputs: train.inputs, labels: train.labels },
            {
              taskId: `task-${taskIndex}`,
              samples: Math.min(config.ewc.samples, task.train.labels.length),
              seed: config.seed + taskIndex,
              predict: (inputs) => network.forward(inputs, columnId),
            },
          );
          reporter.info(
            `EWC: Fisher of ${target.length} variables from ${summary.samples} samples (${summary.route}), largest importance ${summary.maxImportance.toPrecision(3)}`,
          );
        }
      } finally {
        tf.dispose([train.inputs, train.labels, test.inputs, test.labels]);
      }
      const row = await evaluateSeenTasks(network, plan, tasks, taskIndex);
      monitoring.evaluator.recordRow(`task-${taskIndex}`, row, { step: (taskIndex + 1) * config.training.epochs });
      progress = { ...progress, taskIndex: taskIndex + 1, epochsDone: 0, matrix: [...progress.matrix, row] };
      await experiments.logMetrics(progress.experimentId, {
        task: taskIndex,
        step: config.training.epochs,
        metrics: { average_accuracy: mean(row), ...Object.fromEntries(row.map((a, j) => [`accuracy_task_${j}`, a])) },
      });
      monitoring.tracker.log({ average_accuracy: mean(row) }, { step: (taskIndex + 1) * config.training.epochs });
      await saveCheckpoint(`after task ${taskIndex + 1}`);
      reporter.endTask(taskIndex, row);
    }

    await monitoring.close(); // drains the alert queue before alerts are counted
    const finalRow = progress.matrix.at(-1) ?? [];
    const summary: RunSummary = {
      experimentId: progress.experimentId,
      strategy: config.strategy,
      benchmark: config.benchmark,
      scenario: benchmark.scenario,
      backend,
      matrix: progress.matrix,
      averageAccuracy: mean(finalRow),
      maxForgetting: maxForgetting(progress.matrix),
      alerts: alertCount,
      tensorboardDir: monitoring.tensorboardDir,
      seconds: (performance.now() - started) / 1000,
    };
    await experiments.finish(progress.experimentId, {
      metrics: { average_accuracy: summary.averageAccuracy, max_forgetting: summary.maxForgetting },
    });
    return summary;
  } finally {
    await closeMonitoring?.();
    for (const disposable of disposables) disposable.dispose();
    if (!options.db) await db.destroy();
  }
}

async function evaluateSeenTasks(
  network: ProgressiveNetwork,
  plan: StrategyPlan,
  tasks: BenchmarkTask[],
  upTo: number,
): Promise<number[]> {
  const row: number[] = [];
  for (let j = 0; j <= upTo; j++) {
    const test = taskTensors(tasks[j]!, 'test', columnFor(plan, j));
    try {
      row.push((await network.evaluate(test)).accuracy);
    } finally {
      tf.dispose([test.inputs, test.labels]);
    }
  }
  return row;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Largest drop of an earlier task from right after it was learned to the end. */
export function maxForgetting(matrix: readonly number[][]): number {
  const last = matrix.at(-1);
  if (!last) return 0;
  let worst = 0;
  for (let j = 0; j < last.length - 1; j++) worst = Math.max(worst, matrix[j]![j]! - last[j]!);
  return worst;
}
