import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchmarkTask } from '@holomind/data';
import { EwcConsolidator } from '@holomind/ewc';
import { EpisodicMemory, ExternalMemory } from '@holomind/memory';
import { ProgressiveNetwork } from '@holomind/network';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { seededValues } from '@holomind/testing';
import type { TaskContext } from './continual-strategy.js';
import { ReplayPart } from './replay-part.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(() => disposeBackend());

const INPUT = 8;
const EXAMPLES = 96;

describe('a training epoch with EWC, DER++ replay and the memory read (fused ops)', () => {
  it('leaves tf.memory().numTensors where the previous epoch left it', async () => {
    const memory = new ExternalMemory({ slots: 16, keySize: 4, valueSize: 4 });
    const network = new ProgressiveNetwork({
      inputShape: [INPUT],
      extractor: { kind: 'mlp', hiddenSizes: [12] },
      column: { hiddenSizes: [10] },
      memory,
      seed: 2,
    });
    network.addTask('shared', { outputSize: 4 });
    const inputs = tf.tensor2d(seededValues(EXAMPLES * INPUT, 1), [EXAMPLES, INPUT]);
    const labels = tf.tensor1d(
      Array.from({ length: EXAMPLES }, (_, i) => i % 4),
      'int32',
    );
    const data = { taskId: 'shared', inputs, labels };
    const ewc = new EwcConsolidator({ lambda: 10 });
    const episodic = new EpisodicMemory({ budget: 32, inputSize: INPUT, classCount: 4, logitSize: 4, seed: 3 });
    const replay = new ReplayPart(episodic, { kind: 'derpp', replayBatch: 16, alpha: 0.3, beta: 0.5 });
    try {
      await network.train(data, { epochs: 1, batchSize: 16 });
      const extractor = network.trainableVariables().slice(0, 2);
      await ewc.consolidate(extractor, { inputs, labels }, { predict: (x) => network.forward(x, 'shared'), taskId: 'first' });
      const logits = network.forward(inputs, 'shared');
      episodic.write({
        inputs: (await inputs.data()) as Float32Array,
        labels: Int32Array.from(await labels.data()),
        task: 0,
        logits: (await logits.data()) as Float32Array,
      });
      logits.dispose();
      const tasks = [{ classes: [0, 1, 2, 3], targetLabels: [0, 1, 2, 3] }] as unknown as BenchmarkTask[];
      const replayLoss = replay.loss({ network, tasks, columnOf: () => 'shared' } as unknown as TaskContext)!;
      const regularizer = () => tf.add(ewc.penalty(extractor), replayLoss()) as tf.Scalar;
      await network.train(data, { epochs: 1, batchSize: 16, regularizer, preserveState: true });
      const before = tf.memory().numTensors;
      const result = await network.resumeTraining(data);
      expect(tf.memory().numTensors).toBe(before);
      expect(Number.isFinite(result.epochLosses[0])).toBe(true);
    } finally {
      network.dispose();
      memory.dispose();
      ewc.dispose();
      tf.dispose([inputs, labels]);
    }
  });
});
