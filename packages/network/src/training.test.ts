import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { maxAbsoluteDifference, seededValues } from '@holomind/testing';
import { NetworkError, type NetworkErrorCode } from './errors.js';
import { ProgressiveNetwork } from './progressive-network.js';
import type { ProgressiveNetworkOptions } from './network-options.js';
import type { RegularizerBatch, StepInfo, TaskData } from './training-options.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

const features = 10;

// A linearly separable 3-class problem: the class is the argmax of three fixed projections.
function syntheticTask(taskId: string, count: number, seed: number): TaskData {
  const inputs = seededValues(count * features, seed);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const scores = [0, 1, 2].map((c) =>
      inputs.subarray(n * features, (n + 1) * features).reduce((s, v, i) => s + v * Math.sin(i + 3 * c + seed), 0),
    );
    labels[n] = scores.indexOf(Math.max(...scores));
  }
  return { taskId, inputs: tf.tensor2d(inputs, [count, features]), labels: tf.tensor1d(labels, 'int32') };
}

function disposeData(data: TaskData): void {
  tf.dispose([data.inputs, data.labels]);
}

function network(extra: Partial<ProgressiveNetworkOptions> = {}, tasks = ['a']): ProgressiveNetwork {
  const built = new ProgressiveNetwork({
    inputShape: [features],
    extractor: { kind: 'mlp', hiddenSizes: [12] },
    column: { hiddenSizes: [8] },
    seed: 2,
    ...extra,
  });
  for (const task of tasks) built.addTask(task, { outputSize: 3 });
  return built;
}

function weights(target: ProgressiveNetwork): Float32Array[] {
  return Object.values(target.toState().arrays);
}

async function codeOf(work: () => unknown): Promise<NetworkErrorCode | 'no error'> {
  try {
    await work();
  } catch (error) {
    if (NetworkError.isInstance(error)) return error.code;
    throw error;
  }
  return 'no error';
}

describe('ProgressiveNetwork.train', () => {
  it('learns, and leaks no tensor over an epoch (tf.memory().numTensors stable step to step and after)', async () => {
    const data = syntheticTask('a', 96, 1);
    const model = network({ column: { hiddenSizes: [8], dropout: 0.2 } });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const first = await model.evaluate(data);
    const result = await model.train(data, { epochs: 6, batchSize: 16, onStep: (step) => void counts.push(step.numTensors) });
    // After the first step created Adam's moments, every step ends with the same number of tensors.
    expect(new Set(counts.slice(1)).size).toBe(1);
    // The optimizer is released when the session is not kept: back to exactly where we started.
    expect(tf.memory().numTensors).toBe(before);
    expect(result.epochLosses).toHaveLength(6);
    expect(result.epochLosses.at(-1)!).toBeLessThan(result.epochLosses[0]!);
    expect((await model.evaluate(data)).loss).toBeLessThan(first.loss);
    disposeData(data);
    model.dispose();
  });

  it('is reproducible: the same seed trains to the same bits, dropout included', async () => {
    const data = syntheticTask('a', 48, 2);
    const runs = [];
    for (let run = 0; run < 2; run++) {
      const model = network({ column: { hiddenSizes: [8], dropout: 0.3 } });
      await model.train(data, { epochs: 2, batchSize: 8 });
      runs.push(weights(model));
      model.dispose();
    }
    expect(runs[1]).toEqual(runs[0]);
    disposeData(data);
  });

  it('with preserveState, train(1 epoch) + resumeTraining(1 epoch) equals train(2 epochs) bit for bit', async () => {
    const data = syntheticTask('a', 40, 3);
    const straight = network();
    await straight.train(data, { epochs: 2, batchSize: 8 });
    const resumed = network();
    await resumed.train(data, { epochs: 1, batchSize: 8, preserveState: true });
    const afterFirst = tf.memory().numTensors;
    const continued = await resumed.resumeTraining(data);
    expect(continued).toMatchObject({ taskId: 'a', epochs: 1, steps: 5 });
    expect(tf.memory().numTensors).toBe(afterFirst); // a kept session holds its tensors, and no more
    expect(weights(resumed)).toEqual(weights(straight));

    // Without preserveState the optimizer starts afresh, so the result differs.
    const fresh = network();
    await fresh.train(data, { epochs: 1, batchSize: 8 });
    expect(await codeOf(() => fresh.resumeTraining(data))).toBe('NO_TRAINING_SESSION');
    await fresh.train(data, { epochs: 1, batchSize: 8 });
    expect(weights(fresh)).not.toEqual(weights(straight));

    // Adding a task ends a kept session.
    resumed.addTask('b', { outputSize: 3 });
    expect(await codeOf(() => resumed.resumeTraining(data))).toBe('NO_TRAINING_SESSION');
    disposeData(data);
    [straight, resumed, fresh].forEach((model) => model.dispose());
  });

  it('accumulates gradients: two micro-batches of 8 make the same SGD step as one batch of 16', async () => {
    const data = syntheticTask('a', 16, 4);
    const whole = network();
    const accumulated = network();
    const steps: StepInfo[] = [];
    await whole.train(data, { batchSize: 16, optimizer: 'sgd', shuffle: false });
    await accumulated.train(data, {
      batchSize: 8,
      gradientAccumulation: 2,
      optimizer: 'sgd',
      shuffle: false,
      onStep: (s) => void steps.push(s),
    });
    expect(steps.map((s) => [s.step, s.examples, s.batchSize])).toEqual([[1, 16, 8]]);
    const [a, b] = [weights(whole), weights(accumulated)];
    a.forEach((values, index) => expect(maxAbsoluteDifference(b[index]!, values)).toBeLessThan(1e-6));
    const untrained = network();
    expect(weights(accumulated)).not.toEqual(weights(untrained)); // it did move
    disposeData(data);
    [whole, accumulated, untrained].forEach((model) => model.dispose());
  });

  it('halves the batch, down to 1, while tf.memory().numBytes is above shrinkBatchAboveBytes', async () => {
    const data = syntheticTask('a', 40, 5);
    const model = network();
    const sizes: number[] = [];
    const result = await model.train(data, {
      batchSize: 16,
      shrinkBatchAboveBytes: 0,
      onStep: (s) => void sizes.push(s.batchSize),
    });
    expect(sizes.slice(0, 6)).toEqual([8, 4, 2, 1, 1, 1]);
    expect(result).toMatchObject({ batchSize: 1, batchShrinks: 4 });
    const roomy = await model.train(data, { batchSize: 16, shrinkBatchAboveBytes: 1e12 });
    expect(roomy).toMatchObject({ batchSize: 16, batchShrinks: 0, steps: 3 });
    disposeData(data);
    model.dispose();
  });

  it('adds the regularizer to the loss and follows its gradient (an EWC-style anchor on sharedVariables())', async () => {
    const first = syntheticTask('a', 48, 6);
    const second = syntheticTask('b', 48, 7);
    const drift: number[] = [];
    for (const strength of [0, 50]) {
      const model = network({ freezeExtractor: 'never' });
      await model.train(first, { epochs: 2, batchSize: 16 });
      const anchor = model.sharedVariables().map((v) => tf.clone(v));
      model.addTask('b', { outputSize: 3 });
      const penalty = () =>
        tf.tidy(
          () =>
            tf.mul(
              strength,
              tf.addN(model.sharedVariables().map((v, i) => tf.sum(tf.square(tf.sub(v, anchor[i]!))))),
            ) as tf.Scalar,
        );
      const steps: StepInfo[] = [];
      await model.train(second, { epochs: 2, batchSize: 16, regularizer: penalty, onStep: (s) => void steps.push(s) });
      const penaltyNow = tf.tidy(() => penalty().dataSync()[0]!);
      drift.push(
        tf.tidy(() => tf.addN(model.sharedVariables().map((v, i) => tf.sum(tf.square(tf.sub(v, anchor[i]!))))).dataSync()[0]!),
      );
      // The first step's regularizer is 0 (weights at the anchor); afterwards loss = data loss + penalty.
      expect(steps[0]!.loss).toBeCloseTo(steps[0]!.dataLoss, 6);
      if (strength > 0) expect(steps.at(-1)!.loss - steps.at(-1)!.dataLoss).toBeGreaterThan(0);
      expect(penaltyNow).toBeGreaterThanOrEqual(0);
      tf.dispose(anchor);
      model.dispose();
    }
    expect(drift[1]!).toBeLessThan(drift[0]! / 10);
    [first, second].forEach(disposeData);
  });

  it('hands the regularizer the micro-batch: its inputs, the logits on them and the targets', async () => {
    const data = syntheticTask('a', 64, 2);
    const seen: number[][] = [];
    const shrink = (batch: RegularizerBatch) => {
      seen.push([...batch.inputs.shape, ...batch.logits.shape, ...Array.from(tf.sum(batch.targets, 1).dataSync())]);
      return tf.mul(2, tf.mean(tf.square(batch.logits))) as tf.Scalar;
    };
    const meanAbsLogits = async (regularizer?: (batch: RegularizerBatch) => tf.Scalar) => {
      const model = network();
      // Plain SGD: Adam's normalised steps would hide the penalty's size.
      await model.train(data, { epochs: 6, batchSize: 16, regularizer, optimizer: { name: 'sgd', learningRate: 0.05 } });
      const value = tf.tidy(() => tf.mean(tf.abs(model.forward(data.inputs, 'a'))).dataSync()[0]!);
      model.dispose();
      return value;
    };
    const free = await meanAbsLogits();
    const penalised = await meanAbsLogits(shrink);
    expect(seen[0]).toEqual([16, features, 16, 3, ...new Array(16).fill(1)]);
    // A penalty on the batch's own logits must reach the weights: the logits shrink.
    expect(penalised).toBeLessThan(free * 0.5);
    disposeData(data);
  });

  it('rejects a regularizer that does not return a scalar', async () => {
    const data = syntheticTask('a', 8, 8);
    const model = network();
    const before = tf.memory().numTensors;
    await expect(model.train(data, { regularizer: () => tf.ones([2]) as unknown as tf.Scalar })).rejects.toThrow(
      'regularizer must return a float32 tf.Scalar, got a float32 tensor of shape [2]; reduce it with tf.sum or tf.mean.',
    );
    expect(tf.memory().numTensors).toBe(before);
    disposeData(data);
    model.dispose();
  });

  it('trains only the newest column and checks labels', async () => {
    const model = network({}, ['a', 'b']);
    const data = syntheticTask('a', 8, 9);
    await expect(model.train(data)).rejects.toThrow(/Task 'a' \(column 0\) is frozen.*Only the newest task, 'b', trains/);
    const wrongLabels = { taskId: 'b', inputs: data.inputs, labels: tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 0], 'int32') };
    await expect(model.train(wrongLabels)).rejects.toThrow(
      "Label 3 of task 'b' is 3; class indices must be integers in [0, 3) (the task's outputSize).",
    );
    const oneHot = {
      taskId: 'b',
      inputs: data.inputs,
      labels: tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3), 'float32'),
    };
    await expect(model.train(oneHot)).resolves.toMatchObject({ steps: 1 });
    tf.dispose([wrongLabels.labels, oneHot.labels]);
    disposeData(data);
    model.dispose();
  });
});
