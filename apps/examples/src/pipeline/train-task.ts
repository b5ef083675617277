import * as tf from '@tensorflow/tfjs-core';
import { cacheVariablesOnHost } from '@holomind/tensor-kernels';
import type { BenchmarkTask } from '@holomind/data';
import type { StepInfo } from '@holomind/network';
import type { TaskContext } from '../strategies/continual-strategy.js';
import { columnFor } from './build-model.js';
import { columnsOf } from './build-strategy.js';
import { restoreKeptSession, saveCheckpoint } from './checkpoint.js';
import type { RunSession } from './open-run.js';
import { taskMonitor } from './live-monitor.js';
import { recordEpoch } from './record.js';
import { epochStep } from './steps.js';
import { taskTensors } from './task-data.js';

/**
 * Trains task `taskIndex` from the epoch the run's progress says, one epoch at a time (logging
 * each and checkpointing every `checkpointEvery`), with the strategy's extra loss on every batch and
 * its work before the first epoch and after the last (EWC's Fisher, memory writes). `task` replaces
 * the benchmark's task (joint training on every task at once).
 */
export async function trainTask(
  session: RunSession,
  taskIndex: number,
  task: BenchmarkTask = session.tasks[taskIndex]!,
): Promise<void> {
  const { config, network, plan, strategy, reporter, tasks } = session;
  const columnId = columnFor(plan, taskIndex);
  if (!network.taskIds.includes(columnId)) network.addTask(columnId, { outputSize: task.outputSize, lateral: plan.lateral });
  const train = taskTensors(task, 'train', columnId);
  const test = taskTensors(task, config.training.evaluateOn === 'validation' ? 'val' : 'test', columnId);
  const context: TaskContext = {
    network,
    tasks,
    taskIndex,
    columnOf: columnsOf(plan),
    train,
    seed: config.seed + taskIndex,
  };
  const perStep = config.monitoring.perStep;
  await session.monitoring.attach(perStep ? network.memory : undefined, () => session.monitoring.currentColumn);
  session.monitoring.currentColumn = columnId;
  const monitor = perStep ? taskMonitor(session, taskIndex) : undefined;
  try {
    // A task resumed mid-way keeps what its parts set up before its first epoch (restored from the checkpoint).
    if (session.progress.epochsDone === 0) await strategy.beforeTask(context);
    const regularizer = strategy.loss(context);
    reporter.startTask(taskIndex, tasks.length, task.classes, config.training.epochs, session.progress.epochsDone);
    const trainOptions = {
      epochs: 1,
      batchSize: config.training.batchSize,
      optimizer: { name: 'adam' as const, learningRate: config.training.learningRate },
      preserveState: true,
      regularizer,
      kernels: config.training.kernels,
      gradientAccumulation: config.performance.gradientAccumulation,
      shrinkBatchAboveBytes: config.performance.shrinkBatchAboveBytes,
      onStep: async (step: StepInfo) => {
        reporter.step(step.loss);
        await monitor?.onStep(step);
      },
      onGradients: monitor?.onGradients,
    };
    // A run resumed between two epochs continues the checkpoint's session (bit-exact resume).
    let sessionKept = await restoreKeptSession(session, network, train, trainOptions);
    for (let epoch = session.progress.epochsDone; epoch < config.training.epochs; epoch++) {
      const result = sessionKept ? await network.resumeTraining(train) : await network.train(train, trainOptions);
      sessionKept = true;
      const { accuracy } = await network.evaluate(test);
      const loss = result.epochLosses.at(-1) ?? Number.NaN;
      await monitor?.endEpoch(epochStep(taskIndex, epoch, config.training.epochs));
      recordEpoch(session, taskIndex, epoch, loss, accuracy);
      reporter.endEpoch(epoch, loss, accuracy);
      if (network.memory && (epoch + 1) % config.performance.cleanupEvery === 0) {
        await cacheVariablesOnHost(); // cleanup reads usage synchronously, which WebGPU in Node cannot
        network.memory.cleanup();
      }
      session.progress = { ...session.progress, taskIndex, epochsDone: epoch + 1 };
      const lastEpoch = epoch + 1 === config.training.epochs;
      if (!lastEpoch && (epoch + 1) % config.performance.checkpointEvery === 0)
        await saveCheckpoint(session, `task ${taskIndex + 1}, epoch ${epoch + 1}`);
    }
    for (const line of await strategy.afterTask(context)) reporter.info(line);
    monitor?.afterTask();
  } finally {
    tf.dispose([train.inputs, train.labels, test.inputs, test.labels]);
  }
}

/** Every task's splits in one task (joint training, the upper bound): classes, labels and outputs of all of them. */
export function mergeTasks(tasks: readonly BenchmarkTask[]): BenchmarkTask {
  const concat = <T extends Float32Array | Int32Array>(parts: T[], make: (length: number) => T): T => {
    const merged = make(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      merged.set(part, offset);
      offset += part.length;
    }
    return merged;
  };
  const split = (name: 'train' | 'val' | 'test') => ({
    featureShape: tasks[0]![name].featureShape,
    features: concat(
      tasks.map((task) => task[name].features),
      (length) => new Float32Array(length),
    ),
    labels: concat(
      tasks.map((task) => task[name].labels),
      (length) => new Int32Array(length),
    ),
  });
  const last = tasks.at(-1)!;
  return {
    ...last,
    classes: tasks.flatMap((task) => task.classes),
    targetLabels: tasks.flatMap((task) => task.targetLabels),
    outputSize: Math.max(...tasks.map((task) => task.outputSize)),
    train: split('train'),
    val: split('val'),
    test: split('test'),
  };
}
