/// <reference lib="webworker" />
// Training off the main thread: the page posts `start` and `predict`; everything tensor-shaped
// happens here, so the page's drawing and rendering never wait for a training step.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchmarkTask } from '@holomind/data';
import { averageAccuracyOf, averageForgettingOf } from '@holomind/monitoring';
import { startBackend } from './backend.js';
import { CheckpointStore, type Checkpoint } from './checkpoints.js';
import { loadSplitMnist } from './digits.js';
import { PlaygroundError } from './errors.js';
import { ContinualLearner, RECIPE } from './learner.js';
import type { CurvePoint, PageMessage, PlaygroundSettings, WorkerMessage } from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;

// Points per task on the accuracy curves while it trains (the last one is the matrix row).
const CURVE_POINTS_PER_TASK = 4;

let learner: ContinualLearner | undefined;
let tasks: BenchmarkTask[] = [];

function post(message: WorkerMessage): void {
  self.postMessage(message);
}

async function accuracies(upTo: number): Promise<number[]> {
  const row: number[] = [];
  for (let task = 0; task <= upTo; task++) row.push(await learner!.accuracy(tasks[task]!));
  return row;
}

function postMatrix(matrix: number[][]): void {
  post({
    type: 'matrix',
    matrix,
    averageAccuracy: averageAccuracyOf(matrix),
    averageForgetting: matrix.length > 1 ? averageForgettingOf(matrix) : null,
  });
}

async function openCheckpoint(store: CheckpointStore, run: string): Promise<Checkpoint | undefined> {
  try {
    return await store.load(run);
  } catch (error) {
    if (!PlaygroundError.isInstance(error) || error.code !== 'CHECKPOINT_CORRUPTED') throw error;
    post({ type: 'checkpoint-corrupted', run, reason: error.message });
    return undefined;
  }
}

async function train(settings: PlaygroundSettings): Promise<void> {
  post({ type: 'status', text: 'Starting the tensor backend…' });
  post({ type: 'backend', backend: await startBackend(settings.backend) });
  post({ type: 'status', text: 'Fetching digits…' });
  tasks = await loadSplitMnist(`${self.location.origin}${import.meta.env.BASE_URL}`, settings);
  const store = await CheckpointStore.open();
  const checkpoint = await openCheckpoint(store, settings.run);
  post({ type: 'checkpoints', runs: await store.list() });
  learner = checkpoint ? ContinualLearner.fromState(checkpoint.learner) : ContinualLearner.create();
  const matrix = checkpoint?.matrix ?? [];
  const curve: CurvePoint[] = checkpoint?.curve ?? [];
  let steps = checkpoint?.steps ?? 0;
  const first = checkpoint?.completedTasks ?? 0;
  if (checkpoint) {
    post({ type: 'resumed', completedTasks: first, savedAt: checkpoint.savedAt });
    postMatrix(matrix);
    post({ type: 'curve', points: curve });
  }
  const last = Math.min(tasks.length, first + settings.stopAfter);
  for (let task = first; task < last; task++) {
    const data = tasks[task]!;
    post({ type: 'task-started', task, classes: data.classes });
    const started = performance.now();
    const taskSteps = Math.ceil(data.train.labels.length / RECIPE.batchSize) * settings.epochs;
    const every = Math.max(1, Math.floor(taskSteps / CURVE_POINTS_PER_TASK));
    let taskStep = 0;
    await learner.trainTask(data, settings.epochs, async (step) => {
      steps++;
      taskStep++;
      post({ type: 'progress', task, step: taskStep, steps: taskSteps, loss: step.loss });
      post({
        type: 'status',
        text: `Training task ${task + 1}: step ${taskStep}/${taskSteps} at ${((performance.now() - started) / 1000).toFixed(1)} s`,
      });
      if (taskStep % every === 0 && taskStep < taskSteps) {
        const row = await accuracies(task);
        curve.push(...row.map((accuracy, index) => ({ task: index, step: steps, accuracy })));
        post({ type: 'curve', points: curve });
      }
    });
    post({ type: 'status', text: `Task ${task + 1}: consolidating at ${((performance.now() - started) / 1000).toFixed(1)} s` });
    await learner.consolidate(data, task);
    post({ type: 'status', text: `Task ${task + 1}: evaluating at ${((performance.now() - started) / 1000).toFixed(1)} s` });
    const seconds = (performance.now() - started) / 1000;
    const row = await accuracies(task);
    matrix.push(row);
    curve.push(...row.map((accuracy, index) => ({ task: index, step: steps, accuracy })));
    post({ type: 'curve', points: curve });
    postMatrix(matrix);
    await store.save({
      run: settings.run,
      settings,
      completedTasks: task + 1,
      learner: await learner.toState(),
      matrix,
      curve,
      steps,
    });
    post({ type: 'task-finished', task, seconds, checkpointSaved: true });
    post({
      type: 'status',
      text: `Task ${task + 1} done; ${tf.memory().numTensors} tensors, ${(tf.memory().numBytes / 1e6).toFixed(1)} MB`,
    });
    post({ type: 'checkpoints', runs: await store.list() });
  }
  post(last < tasks.length ? { type: 'paused', completedTasks: last } : { type: 'finished', completedTasks: last });
}

async function predict(pixels: Float32Array): Promise<void> {
  if (!learner) return;
  const probabilities = await learner.probabilities(pixels);
  const digit = probabilities.indexOf(Math.max(...probabilities));
  // Class-IL: each digit was taught by exactly one task; a task's share is its classes' probability mass.
  const taskShares = tasks.map((task) => task.classes.reduce((sum, label) => sum + probabilities[label]!, 0));
  const task = tasks.findIndex((candidate) => candidate.classes.includes(digit));
  post({ type: 'prediction', digit, task, probabilities, taskShares });
}

// A prediction runs between training steps (each step awaits its loss), so drawing gets an answer
// while a task trains.
self.onmessage = (event: MessageEvent<PageMessage>) => {
  const message = event.data;
  const work = message.type === 'start' ? train(message.settings) : predict(message.pixels);
  work.catch((error: unknown) => post({ type: 'error', message: (error as Error).message ?? String(error) }));
};
