import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { ExternalMemory } from '@holomind/memory';
import { splitMnist, taskData } from '../test/split-mnist.js';
import { ProgressiveNetwork } from './progressive-network.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

describe('ProgressiveNetwork with an ExternalMemory attached', () => {
  it('reads and writes the memory while training two Split MNIST tasks, with sane stats and an exact state round-trip', async () => {
    const tasks = splitMnist({
      trainPerDigit: 150,
      testPerDigit: 100,
      seed: 3,
      pairs: [
        [0, 1],
        [2, 3],
      ],
    });
    const memory = new ExternalMemory({
      slots: 128,
      keySize: 8,
      heads: 2,
      beta: 30,
      importanceThreshold: 0.05,
      usageDecay: 0.99,
    });
    const network = new ProgressiveNetwork({
      inputShape: [784],
      extractor: { kind: 'none' },
      column: { hiddenSizes: [32] },
      memory,
      seed: 4,
    });
    let reads = 0;
    for (const task of tasks) {
      const column = network.addTask(task.taskId, { outputSize: 2 });
      expect(column.inputSize).toBe(784 + 16); // features + heads · valueSize
      const train = taskData(task.taskId, task.train);
      // A frozen column's copy of the memory builds its read layout once, at its first read (untracked).
      if (network.columns.length > 1) tf.tidy(() => network.forward(tf.zeros([1, 784]), tasks[0]!.taskId));
      const before = tf.memory().numTensors;
      const result = await network.train(train, { epochs: 2, batchSize: 30 });
      expect(tf.memory().numTensors).toBe(before); // writes replace the memory's tensors, never add any
      // The trained column reads the shared memory once per example; a frozen one reads its own copy.
      reads += result.epochs * task.train.count;
      expect(memory.stats().reads).toBe(reads);
      tf.dispose([train.inputs, train.labels]);
    }

    const stats = memory.stats();
    console.log('memory stats after two tasks:', JSON.stringify(stats));
    expect(stats.writes).toBeGreaterThan(0);
    expect(stats.skippedWrites).toBeGreaterThan(0); // confident examples fall below the 0.05 loss threshold
    expect(stats.writes + stats.skippedWrites + stats.rejectedWrites).toBe(2 * (300 + 300)); // one attempt per trained example
    expect(stats.filled).toBeGreaterThan(0);
    expect(stats.filled).toBeLessThanOrEqual(128);
    expect(stats.utilisation).toBe(stats.filled / 128);
    expect(stats.replacements).toBe(stats.writes - stats.filled); // no cleanup yet: every write beyond a fill replaced a slot
    expect(stats.hitRate).toBeGreaterThan(0); // beta 30 makes reads of familiar examples sharp
    expect(stats.hitRate).toBeLessThan(1);
    expect(stats.bytes).toBe(4 * (128 * 2 * (8 + 8) + 2 * 128 + 1 + 2 * 128));
    for (const task of tasks) {
      const test = taskData(task.taskId, task.test);
      expect((await network.evaluate(test)).accuracy).toBeGreaterThan(0.9);
      tf.dispose([test.inputs, test.labels]);
    }

    // The network's state carries the memory's; both restore bit for bit.
    const state = network.toState();
    expect(state.memory?.arrays.mask.reduce((a, b) => a + b, 0)).toBe(stats.filled);
    const restored = ProgressiveNetwork.fromState(structuredClone(state));
    expect(restored.memory).not.toBe(memory);
    expect(restored.toState()).toEqual(state);
    const probe = taskData(tasks[1]!.taskId, tasks[1]!.test);
    const original = network.forward(probe.inputs, tasks[1]!.taskId);
    const again = restored.forward(probe.inputs, tasks[1]!.taskId);
    expect(Array.from(again.dataSync())).toEqual(Array.from(original.dataSync()));
    expect(restored.memory!.toState()).toEqual(memory.toState()); // the same reads updated both alike
    tf.dispose([probe.inputs, probe.labels, original, again]);

    const cleaned = memory.cleanup();
    expect(cleaned.filled).toBeGreaterThanOrEqual(Math.ceil(0.25 * stats.filled));
    expect(memory.stats().evictions).toBe(cleaned.evicted);
    restored.dispose(); // disposes the memory it rebuilt
    network.dispose(); // leaves the caller's memory alone
    expect(memory.stats().filled).toBe(cleaned.filled);
    memory.dispose();
  });

  it('a frozen column keeps reading the memory it was trained with while later tasks write the shared one', async () => {
    const startTensors = tf.memory().numTensors;
    const tasks = splitMnist({
      trainPerDigit: 60,
      testPerDigit: 40,
      seed: 5,
      pairs: [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
    });
    const memory = new ExternalMemory({ slots: 48, keySize: 6, beta: 20 });
    const network = new ProgressiveNetwork({
      inputShape: [784],
      extractor: { kind: 'none' },
      column: { hiddenSizes: [16] },
      memory,
      seed: 6,
    });
    const first = taskData(tasks[0]!.taskId, tasks[0]!.test);
    const firstOutputs: number[][] = [];
    for (const task of tasks) {
      network.addTask(task.taskId, { outputSize: 2 });
      const train = taskData(task.taskId, task.train);
      const keysBefore = Array.from(memory.toState().arrays.keys);
      await network.train(train, { epochs: 1, batchSize: 20 });
      tf.dispose([train.inputs, train.labels]);
      expect(Array.from(memory.toState().arrays.keys)).not.toEqual(keysBefore); // every task writes the shared memory
      const logits = network.forward(first.inputs, tasks[0]!.taskId);
      firstOutputs.push(Array.from(logits.dataSync()));
      logits.dispose();
    }
    // Bit for bit after the second and third tasks wrote the memory: the first column reads its copy.
    expect(firstOutputs[1]).toEqual(firstOutputs[0]);
    expect(firstOutputs[2]).toEqual(firstOutputs[0]);

    // The copies travel with the state, and a restored network reads them as the original does.
    const state = network.toState();
    expect(state.config.memorySnapshots).toBe(true);
    expect(Object.keys(state.frozenMemories ?? {})).toEqual([tasks[0]!.taskId, tasks[1]!.taskId]);
    const restored = ProgressiveNetwork.fromState(structuredClone(state));
    expect(restored.toState()).toEqual(state);
    for (const task of tasks) {
      const probe = taskData(task.taskId, task.test);
      const [original, again] = [network, restored].map((one) => one.forward(probe.inputs, task.taskId));
      expect(Array.from(again!.dataSync())).toEqual(Array.from(original!.dataSync()));
      tf.dispose([probe.inputs, probe.labels, original!, again!]);
    }
    restored.dispose();

    // A state saved before frozen columns kept their copy: every column reads the shared memory, as then.
    const { frozenMemories: _copies, ...older } = structuredClone(state);
    delete older.config.memorySnapshots;
    const old = ProgressiveNetwork.fromState(older);
    const oldLogits = old.forward(first.inputs, tasks[0]!.taskId);
    expect(Array.from(oldLogits.dataSync())).not.toEqual(firstOutputs[0]);
    expect(old.toState().frozenMemories).toBeUndefined();
    tf.dispose([oldLogits]);
    old.dispose();

    expect(() => ProgressiveNetwork.fromState({ ...state, frozenMemories: { [tasks[0]!.taskId]: state.memory! } })).toThrow(
      /holds none for task 'digits-2-3'/,
    );
    expect(() => ProgressiveNetwork.fromState({ ...state, frozenMemories: { [tasks[2]!.taskId]: state.memory! } })).toThrow(
      /frozen copy of the memory for task '.*', but that task is not a frozen column/,
    );
    tf.dispose([first.inputs, first.labels]);
    network.dispose();
    memory.dispose();
    expect(tf.memory().numTensors).toBe(startTensors); // the frozen copies went with the network
  });
});
