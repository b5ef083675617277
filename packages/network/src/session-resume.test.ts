import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { seededValues } from '@holomind/testing';
import { ProgressiveNetwork } from './progressive-network.js';
import type { TrainingSessionState } from './training-session.js';

afterAll(disposeBackend);

const trainOptions = { epochs: 1, batchSize: 8, preserveState: true, optimizer: { name: 'adam' as const, learningRate: 0.01 } };

function freshNetwork(): ProgressiveNetwork {
  const network = new ProgressiveNetwork({
    inputShape: [6, 6, 1],
    extractor: { kind: 'mlp', hiddenSizes: [12] },
    column: { hiddenSizes: [8], dropout: 0.2 },
    seed: 5,
  });
  network.addTask('a', { outputSize: 3 });
  return network;
}

function taskData() {
  return {
    taskId: 'a',
    inputs: tf.tensor4d(seededValues(36 * 36, 3), [36, 6, 6, 1]),
    labels: tf.tensor1d(
      Array.from({ length: 36 }, (_, n) => (n * 7) % 3),
      'int32',
    ),
  };
}

/** Four epochs of one task; after epoch 2 the session is exported (as a checkpoint does). Returns the state then and the final arrays. */
async function straightRun(): Promise<{
  network: ReturnType<ProgressiveNetwork['toState']>;
  session: TrainingSessionState;
  final: Record<string, Float32Array>;
}> {
  const network = freshNetwork();
  const data = taskData();
  await network.train(data, trainOptions);
  await network.resumeTraining(data);
  const session = (await network.exportTrainingSession())!;
  const saved = structuredClone(network.toState());
  await network.resumeTraining(data);
  await network.resumeTraining(data);
  const final = network.toState().arrays;
  tf.dispose([data.inputs, data.labels]);
  network.dispose();
  return { network: saved, session: structuredClone(session), final };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`training session export / restore on ${backend} (issue #15 finding 5)`, () => {
    it('a network rebuilt from a mid-task checkpoint ends bit-identical to the uninterrupted run', async () => {
      await initBackend({ backends: backend });
      const before = tf.memory().numTensors;
      const { network: saved, session, final } = await straightRun();
      expect(session.optimizer.length).toBeGreaterThan(1); // iterations + Adam's moments
      expect(session.epochsDone).toBe(2);

      const restored = ProgressiveNetwork.fromState(saved);
      const data = taskData();
      await restored.restoreTrainingSession(data, session, trainOptions);
      await restored.resumeTraining(data);
      await restored.resumeTraining(data);
      const resumed = restored.toState().arrays;
      tf.dispose([data.inputs, data.labels]);
      restored.dispose();

      for (const [name, expected] of Object.entries(final)) {
        const actual = resumed[name]!;
        const differing = expected.findIndex((value, index) => !Object.is(value, actual[index]));
        expect(differing, `${name}: first differing element`).toBe(-1);
      }
      expect(tf.memory().numTensors).toBe(before);

      // Without the optimizer state the same resume diverges (the finding as reported).
      const naive = ProgressiveNetwork.fromState(saved);
      const again = taskData();
      await naive.train(again, { ...trainOptions, epochs: 2 });
      const drifted = naive.toState().arrays;
      tf.dispose([again.inputs, again.labels]);
      naive.dispose();
      expect(
        Object.entries(final).some(([name, expected]) => expected.some((value, index) => value !== drifted[name]![index])),
      ).toBe(true);
    });
  });
}
