import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchmarkTask } from '@holomind/data';
import { ExternalMemory } from '@holomind/memory';
import { ProgressiveNetwork } from '@holomind/network';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { DistillationPart } from './distillation-part.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(() => disposeBackend());

// Two class-incremental tasks of two classes on one shared head of four outputs.
const tasks = [0, 1].map((taskId) => ({
  taskId,
  classes: [2 * taskId, 2 * taskId + 1],
  targetLabels: [2 * taskId, 2 * taskId + 1],
}));

describe('DistillationPart with one shared head (LwF in class-IL), on wasm', () => {
  it('pulls the old classes logits back towards the teacher: its gradient is not zero', async () => {
    const network = new ProgressiveNetwork({
      inputShape: [6],
      extractor: { kind: 'mlp', hiddenSizes: [5] },
      column: { hiddenSizes: [5] },
      seed: 4,
    });
    network.addTask('shared', { outputSize: 4 });
    const inputs = tf.randomNormal([8, 6], 0, 1, 'float32', 1);
    const context = {
      network,
      tasks: tasks as unknown as BenchmarkTask[],
      taskIndex: 1,
      columnOf: () => 'shared',
      train: { taskId: 'shared', inputs, labels: tf.tensor1d([2, 3, 2, 3, 2, 3, 2, 3], 'int32') },
      seed: 1,
    };
    const part = new DistillationPart(2);
    await part.beforeTask(context);
    const loss = part.loss(context)!;
    // The student drifts from its teacher, as training the new task makes it.
    for (const variable of network.trainableVariables())
      variable.assign(tf.add(variable, tf.randomNormal(variable.shape, 0, 0.2, 'float32', 2)));
    const norm = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const logits = network.forward(inputs, 'shared');
        return loss({ inputs, logits, targets: tf.zeros([8, 4]) });
      }, network.trainableVariables());
      value.dispose();
      return tf.norm(tf.concat(Object.values(grads).map((gradient) => tf.reshape(gradient, [-1])))).dataSync()[0]!;
    });
    expect(norm).toBeGreaterThan(1e-4);
    part.dispose();
    network.dispose();
    tf.dispose([inputs, context.train.labels]);
  });
});

describe('DistillationPart state', () => {
  it('carries a teacher with a memory and a frozen column (its copy of the memory included) bit for bit', async () => {
    const memory = new ExternalMemory({ slots: 6, keySize: 3 });
    const network = new ProgressiveNetwork({
      inputShape: [6],
      extractor: { kind: 'none' },
      column: { hiddenSizes: [4] },
      memory,
      seed: 5,
    });
    const inputs = tf.randomNormal([8, 6], 0, 1, 'float32', 3);
    const labels = tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1], 'int32');
    network.addTask('first', { outputSize: 2 });
    await network.train({ taskId: 'first', inputs, labels }, { epochs: 1, batchSize: 4 }); // writes the memory
    network.addTask('second', { outputSize: 2 }); // freezes 'first' with a copy of the memory
    const context = {
      network,
      tasks: tasks as unknown as BenchmarkTask[],
      taskIndex: 1,
      columnOf: (task: number) => (task === 0 ? 'first' : 'second'),
      train: { taskId: 'second', inputs, labels },
      seed: 1,
    };
    const part = new DistillationPart(2);
    await part.beforeTask(context);
    const state = part.toState();
    expect(Object.keys(state.arrays).filter((name) => name.startsWith('teacher-frozen-memory/0/'))).not.toHaveLength(0);
    const restored = DistillationPart.fromState(state);
    expect(restored.toState()).toEqual(state);
    restored.dispose();
    part.dispose();
    network.dispose();
    memory.dispose();
    tf.dispose([inputs, labels]);
  });
});
