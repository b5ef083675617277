import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { splitMnist, taskData, type SplitMnistTask } from '../test/split-mnist.js';
import { ProgressiveNetwork } from './progressive-network.js';
import type { TaskData } from './training-options.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

function disposeData(data: TaskData): void {
  tf.dispose([data.inputs, data.labels]);
}

// Bit patterns, so -0 vs 0 and NaN payloads count as differences too.
function bits(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

describe('ProgressiveNetwork on Split MNIST (task-incremental, 5 tasks of 2 digits)', () => {
  let tasks: SplitMnistTask[];
  beforeAll(() => {
    tasks = splitMnist({ trainPerDigit: 500, testPerDigit: 300, seed: 7 });
  });

  // Pure PNN (no shared layers) must reach the accuracy bar; a shared extractor trained on the first
  // task (0 vs 1) and frozen keeps the outputs just as exactly but transfers worse (about 0.96-0.97).
  const setups = [
    { name: 'without a shared extractor', extractor: { kind: 'none' as const }, epochs: 3, minimumAccuracy: 0.97 },
    {
      name: 'with an MLP extractor frozen after the first task',
      extractor: { kind: 'mlp' as const, hiddenSizes: [96] },
      epochs: 2,
      minimumAccuracy: 0.9,
    },
  ];
  for (const setup of setups) {
    it(`${setup.name}: keeps every earlier task bit-identical and averages at least ${setup.minimumAccuracy} accuracy`, async () => {
      const network = new ProgressiveNetwork({
        inputShape: [784],
        extractor: setup.extractor,
        freezeExtractor: 'after-first-task',
        column: { hiddenSizes: [48, 24] },
        seed: 3,
      });
      const rightAfter = new Map<string, Uint32Array>();
      let extractorAfterFirstTask: Float32Array[] = [];
      for (const task of tasks) {
        network.addTask(task.taskId, { outputSize: 2 });
        const train = taskData(task.taskId, task.train);
        await network.train(train, { epochs: setup.epochs, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.002 } });
        disposeData(train);
        const test = taskData(task.taskId, task.test);
        const logits = network.forward(test.inputs, task.taskId);
        rightAfter.set(task.taskId, bits(logits.dataSync() as Float32Array).slice());
        tf.dispose([logits]);
        disposeData(test);
        if (rightAfter.size === 1)
          extractorAfterFirstTask = network.sharedVariables().map((v) => Float32Array.from(v.dataSync()));
      }

      const accuracies: Record<string, number> = {};
      for (const task of tasks) {
        const test = taskData(task.taskId, task.test);
        const logits = network.forward(test.inputs, task.taskId);
        expect(bits(logits.dataSync() as Float32Array)).toEqual(rightAfter.get(task.taskId));
        accuracies[task.taskId] = (await network.evaluate(test)).accuracy;
        tf.dispose([logits]);
        disposeData(test);
      }
      expect(network.sharedVariables().map((v) => Float32Array.from(v.dataSync()))).toEqual(extractorAfterFirstTask);
      const average = Object.values(accuracies).reduce((a, b) => a + b, 0) / tasks.length;
      console.log(`Split MNIST ${setup.name}: ${JSON.stringify(accuracies)}, average ${average.toFixed(4)}`);
      expect(average).toBeGreaterThanOrEqual(setup.minimumAccuracy);
      expect(network.describe().columns.map((column) => column.frozen)).toEqual([true, true, true, true, false]);
      network.dispose();
    });
  }

  it("control: a shared extractor that keeps training changes the first task's outputs", async () => {
    const network = new ProgressiveNetwork({
      inputShape: [784],
      extractor: { kind: 'mlp', hiddenSizes: [32] },
      freezeExtractor: 'never',
      column: { hiddenSizes: [16] },
      seed: 5,
    });
    const [first, second] = tasks as [SplitMnistTask, SplitMnistTask];
    network.addTask(first.taskId, { outputSize: 2 });
    const train = taskData(first.taskId, first.train);
    await network.train(train, { epochs: 1 });
    const test = taskData(first.taskId, first.test);
    const before = bits(network.forward(test.inputs, first.taskId).dataSync() as Float32Array).slice();
    network.addTask(second.taskId, { outputSize: 2 });
    const secondTrain = taskData(second.taskId, second.train);
    await network.train(secondTrain, { epochs: 1 });
    const after = network.forward(test.inputs, first.taskId);
    expect(bits(after.dataSync() as Float32Array)).not.toEqual(before);
    tf.dispose([after]);
    [train, test, secondTrain].forEach(disposeData);
    network.dispose();
  });
});
