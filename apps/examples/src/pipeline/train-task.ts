import * as tf from '@tensorflow/tfjs-core';
import { columnFor, protectedVariables } from './build-model.js';
import { saveCheckpoint } from './checkpoint.js';
import type { RunSession } from './open-run.js';
import { recordEpoch } from './record.js';
import { taskTensors } from './task-data.js';

/**
 * Trains task `taskIndex` from the epoch the run's progress says, one epoch at a time (logging
 * each and checkpointing every `checkpointEvery`), then consolidates EWC on it.
 */
export async function trainTask(session: RunSession, taskIndex: number): Promise<void> {
  const { config, network, plan, ewc, reporter, tasks } = session;
  const task = tasks[taskIndex]!;
  const columnId = columnFor(plan, taskIndex);
  if (!network.taskIds.includes(columnId)) network.addTask(columnId, { outputSize: task.outputSize });
  const train = taskTensors(task, 'train', columnId);
  const test = taskTensors(task, 'test', columnId);
  try {
    const target = protectedVariables(network, plan, columnId);
    const regularizer = ewc ? () => ewc.penalty(target) : undefined;
    reporter.startTask(taskIndex, tasks.length, task.classes, config.training.epochs, session.progress.epochsDone);
    let sessionKept = false;
    for (let epoch = session.progress.epochsDone; epoch < config.training.epochs; epoch++) {
      const result = sessionKept
        ? await network.resumeTraining(train)
        : await network.train(train, {
            epochs: 1,
            batchSize: config.training.batchSize,
            optimizer: { name: 'adam' as const, learningRate: config.training.learningRate },
            preserveState: true,
            regularizer,
            gradientAccumulation: config.performance.gradientAccumulation,
            shrinkBatchAboveBytes: config.performance.shrinkBatchAboveBytes,
            onStep: (step: { loss: number }) => reporter.step(step.loss),
          });
      sessionKept = true;
      const { accuracy } = await network.evaluate(test);
      const loss = result.epochLosses.at(-1) ?? Number.NaN;
      recordEpoch(session, taskIndex, epoch, loss, accuracy);
      reporter.endEpoch(epoch, loss, accuracy);
      if (network.memory && (epoch + 1) % config.performance.cleanupEvery === 0) network.memory.cleanup();
      session.progress = { ...session.progress, taskIndex, epochsDone: epoch + 1 };
      const lastEpoch = epoch + 1 === config.training.epochs;
      if (!lastEpoch && (epoch + 1) % config.performance.checkpointEvery === 0)
        await saveCheckpoint(session, `task ${taskIndex + 1}, epoch ${epoch + 1}`);
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
}
