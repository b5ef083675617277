// Sequential training on Permuted MNIST with and without EWC, the same budget for every method.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SeededRandom } from '@holomind/core';
import { EwcConsolidator, type EwcOptions } from '../../src/index.js';
import type { PermutedTask } from './permuted-mnist.js';

/** A continual-learning method: plain fine-tuning when `ewc` is absent. */
export interface Method {
  name: string;
  ewc?: EwcOptions;
}

/** The training budget, identical for every method. */
export interface Budget {
  hiddenUnits: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'sgd' | 'adam';
  /** Samples the Fisher averages over after each task. */
  fisherSamples: number;
  seed: number;
}

/** The budget of the Permuted MNIST test and bench: MLP 784-100-100-10, Adam 0.002, 4 epochs, batch 32. */
export const PERMUTED_MNIST_BUDGET: Omit<Budget, 'seed'> = {
  hiddenUnits: [100, 100],
  epochs: 4,
  batchSize: 32,
  learningRate: 0.002,
  optimizer: 'adam',
  fisherSamples: 500,
};

/** accuracy[t][j]: accuracy on task j's test split after training on tasks 0..t. */
export interface ContinualResult {
  method: string;
  accuracy: number[][];
  /** Mean over all tasks after the last one. */
  finalAverage: number;
  /** Task 0's accuracy after the last task. */
  firstTaskFinal: number;
  seconds: number;
}

/** An MLP 784 → hidden… → 10 logits with seeded Glorot weights. */
export function mlp(hiddenUnits: number[], seed: number): tfl.Sequential {
  const model = tfl.sequential();
  hiddenUnits.forEach((units, index) =>
    model.add(
      tfl.layers.dense({
        units,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + index }),
        ...(index === 0 ? { inputShape: [784] } : {}),
      }),
    ),
  );
  model.add(tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 99 }) }));
  return model;
}

/** Fraction of `split` the model classifies right. */
export async function accuracyOn(model: tfl.LayersModel, split: { inputs: tf.Tensor; labels: tf.Tensor }): Promise<number> {
  const correct = tf.tidy(() =>
    tf.sum(tf.cast(tf.equal(tf.argMax(model.predict(split.inputs) as tf.Tensor, -1), split.labels), 'float32')),
  );
  const value = (await correct.data())[0]!;
  correct.dispose();
  return value / split.labels.shape[0]!;
}

async function trainTask(
  model: tfl.LayersModel,
  task: PermutedTask,
  budget: Budget,
  optimizer: tf.Optimizer,
  ewc: EwcConsolidator | undefined,
  taskIndex: number,
) {
  const samples = task.train.inputs.shape[0];
  const oneHot = tf.oneHot(task.train.labels, 10);
  for (let epoch = 0; epoch < budget.epochs; epoch++) {
    const order = new SeededRandom(budget.seed * 7919 + taskIndex * 101 + epoch).permutation(samples);
    for (let start = 0; start < samples; start += budget.batchSize) {
      const batch = tf.tensor1d(order.slice(start, start + budget.batchSize), 'int32');
      const cost = optimizer.minimize(() => {
        const logits = model.apply(tf.gather(task.train.inputs, batch), { training: true }) as tf.Tensor;
        const taskLoss = tf.losses.softmaxCrossEntropy(tf.gather(oneHot, batch), logits);
        return (ewc ? tf.add(taskLoss, ewc.penalty(model)) : taskLoss) as tf.Scalar;
      }, true);
      tf.dispose([batch, cost!]);
    }
  }
  oneHot.dispose();
}

/** Trains `method` on the tasks in order and measures every task after each one. */
export async function runContinual(method: Method, tasks: PermutedTask[], budget: Budget): Promise<ContinualResult> {
  const started = performance.now();
  const model = mlp(budget.hiddenUnits, budget.seed);
  const optimizer = budget.optimizer === 'adam' ? tf.train.adam(budget.learningRate) : tf.train.sgd(budget.learningRate);
  const ewc = method.ewc ? new EwcConsolidator(method.ewc) : undefined;
  const accuracy: number[][] = [];
  try {
    for (const [index, task] of tasks.entries()) {
      await trainTask(model, task, budget, optimizer, ewc, index);
      if (ewc && index < tasks.length - 1) {
        await ewc.consolidate(model, task.train, {
          taskId: `task-${index}`,
          samples: budget.fisherSamples,
          seed: budget.seed + index,
        });
      }
      accuracy.push(await Promise.all(tasks.map((other) => accuracyOn(model, other.test))));
    }
  } finally {
    ewc?.dispose();
    optimizer.dispose();
    model.dispose();
  }
  const last = accuracy[accuracy.length - 1]!;
  return {
    method: method.name,
    accuracy,
    finalAverage: last.reduce((sum, value) => sum + value, 0) / last.length,
    firstTaskFinal: last[0]!,
    seconds: (performance.now() - started) / 1000,
  };
}
