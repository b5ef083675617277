import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { seededValues, tensorsLeakedBy } from '@holomind/testing';
import { MemoryError } from '../errors.js';
import { EpisodicMemory } from '../episodic/index.js';
import { inferTasks } from './task-inference.js';

beforeAll(() => initBackend({ backends: 'cpu' }));
afterAll(() => disposeBackend());

const inputSize = 12;

// float64 reference: softmax over cosine similarities / T, attention mass summed per task, argmax.
function inferTasks64(stored: { inputs: Float32Array; tasks: Int32Array }, inputs: Float32Array, temperature: number): number[] {
  const row = (values: Float32Array, r: number) => Array.from(values.subarray(r * inputSize, (r + 1) * inputSize), Number);
  const unit = (v: number[]) => {
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
    return v.map((x) => x / norm);
  };
  const keys = Array.from(stored.tasks, (_, r) => unit(row(stored.inputs, r)));
  const tasks = [...new Set(stored.tasks)].sort((a, b) => a - b);
  return Array.from({ length: inputs.length / inputSize }, (_, r) => {
    const query = unit(row(inputs, r));
    const scores = keys.map((key) => key.reduce((s, k, j) => s + k * query[j]!, 0) / temperature);
    const max = Math.max(...scores);
    const weights = scores.map((score) => Math.exp(score - max));
    const mass = tasks.map((task) => weights.reduce((s, w, k) => s + (stored.tasks[k] === task ? w : 0), 0));
    return tasks[mass.indexOf(Math.max(...mass))]!;
  });
}

// Each task's inputs live mostly on its own block of features (as a permutation moves a digit's ink), plus noise.
function taskExamples(task: number, count: number, seed: number): Float32Array {
  const noise = seededValues(count * inputSize, seed);
  return noise.map((value, index) => Math.abs(value) * 0.6 + (Math.floor((index % inputSize) / 4) === task ? 1 : 0));
}

describe('inferTasks', () => {
  function memoryOfThreeTasks(): EpisodicMemory {
    const memory = new EpisodicMemory({ budget: 30, inputSize, classCount: 2, policy: 'class-balanced', seed: 3 });
    for (const task of [0, 1, 2]) {
      memory.write({ inputs: taskExamples(task, 20, 10 + task), labels: Array.from({ length: 20 }, (_, i) => i % 2), task });
    }
    return memory;
  }

  it('equals a float64 attention read at several temperatures, and finds the task of new examples', () => {
    const memory = memoryOfThreeTasks();
    const queries = [0, 1, 2].map((task) => taskExamples(task, 8, 40 + task));
    const inputs = new Float32Array(queries.flatMap((q) => Array.from(q)));
    // Ambiguous rows too: uniform noise, where the temperature decides.
    const mixed = new Float32Array([...inputs, ...seededValues(6 * inputSize, 7).map(Math.abs)]);
    for (const temperature of [0.01, 0.05, 1]) {
      const got = tf.tidy(() => Array.from(inferTasks(memory, tf.tensor2d(mixed, [30, inputSize]), { temperature }).dataSync()));
      expect(got).toEqual(inferTasks64(memory.contents(), mixed, temperature));
    }
    const found = tf.tidy(() => Array.from(inferTasks(memory, tf.tensor2d(inputs, [24, inputSize])).dataSync()));
    expect(found).toEqual([...Array(8).fill(0), ...Array(8).fill(1), ...Array(8).fill(2)]);
  });

  it('answers the one stored task when only one is stored', () => {
    const memory = new EpisodicMemory({ budget: 10, inputSize, classCount: 2, policy: 'class-balanced' });
    memory.write({ inputs: taskExamples(2, 6, 5), labels: [0, 1, 0, 1, 0, 1], task: 2 });
    const found = tf.tidy(() => Array.from(inferTasks(memory, tf.tensor2d(taskExamples(0, 3, 6), [3, inputSize])).dataSync()));
    expect(found).toEqual([2, 2, 2]);
  });

  it('leaks no tensor', async () => {
    const memory = memoryOfThreeTasks();
    const inputs = tf.tensor2d(taskExamples(1, 5, 9), [5, inputSize]);
    expect(await tensorsLeakedBy(() => inferTasks(memory, inputs).dispose())).toBe(0);
    inputs.dispose();
  });

  it('names the problem: empty memory, wrong input width, bad temperature', () => {
    const empty = new EpisodicMemory({ budget: 4, inputSize, classCount: 2 });
    const inputs = tf.zeros([2, inputSize]) as tf.Tensor2D;
    const memory = memoryOfThreeTasks();
    const narrow = tf.zeros([2, 5]) as tf.Tensor2D;
    const failures: [() => unknown, string, RegExp][] = [
      [() => inferTasks(empty, inputs), 'EMPTY_MEMORY', /write a task's examples first/],
      [() => inferTasks(memory, narrow), 'QUERY_SHAPE_MISMATCH', /\[n, 12\].*got \[2, 5\]/],
      [() => inferTasks(memory, inputs, { temperature: 0 }), 'INVALID_OPTION', /temperature.*got 0/],
    ];
    for (const [call, code, message] of failures) {
      const error = (() => {
        try {
          call();
        } catch (caught) {
          return caught;
        }
      })();
      expect(MemoryError.isInstance(error) && error.code).toBe(code);
      expect((error as Error).message).toMatch(message);
    }
    tf.dispose([inputs, narrow]);
  });
});
