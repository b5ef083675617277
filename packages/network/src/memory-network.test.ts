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
      const before = tf.memory().numTensors;
      const result = await network.train(train, { epochs: 2, batchSize: 30 });
      expect(tf.memory().numTensors).toBe(before); // writes replace the memory's tensors, never add any
      // Every column up to the trained one reads once per example.
      reads += result.epochs * task.train.count * network.columns.length;
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
});
