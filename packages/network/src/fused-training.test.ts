import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { maxAbsoluteDifference, seededValues, startedWebGpu, tensorsLeakedBy } from '@holomind/testing';
import { ExternalMemory } from '@holomind/memory';
import type { KernelRoute } from './layers/dense-op.js';
import { ProgressiveNetwork } from './progressive-network.js';
import type { ProgressiveNetworkOptions } from './network-options.js';

afterAll(disposeBackend);

const STEPS = 20;
const BATCH = 16;

// Two tasks: the first trains the extractor and a column (relu, tanh output path), the second a
// column with lateral adapters over a frozen extractor, so every kind of product is exercised. With a
// memory, the read enters each column's first layer beside the features: while the extractor trains
// (the first task) every input part needs its gradient; over a frozen extractor or none (task-IL
// holomind) only the read does.
const ARCHITECTURES: Record<string, () => ProgressiveNetworkOptions> = {
  'mlp extractor, relu columns': () => ({
    inputShape: [20],
    extractor: { kind: 'mlp', hiddenSizes: [24, 16] },
    column: { hiddenSizes: [12] },
    seed: 3,
  }),
  'conv extractor, tanh columns': () => ({
    inputShape: [6, 6, 1],
    extractor: { kind: 'conv', filters: [3], poolSize: 2, denseSize: 10, activation: 'elu' },
    column: { hiddenSizes: [8], activation: 'tanh' },
    seed: 4,
  }),
  'mlp extractor, memory read': () => ({
    inputShape: [20],
    extractor: { kind: 'mlp', hiddenSizes: [16] },
    column: { hiddenSizes: [12] },
    memory: new ExternalMemory({ slots: 24, keySize: 4 }),
    seed: 5,
  }),
  'no extractor, memory read (task-IL holomind)': () => ({
    inputShape: [20],
    extractor: { kind: 'none' },
    freezeExtractor: 'after-first-task',
    column: { hiddenSizes: [12] },
    memory: new ExternalMemory({ slots: 24, keySize: 4 }),
    seed: 6,
  }),
};

interface Trace {
  losses: number[];
  weights: Float32Array[];
}

// 20 optimizer steps of each of two tasks along one route, from the seed's initial weights and
// batches (shuffling is seeded, so both routes see the same batches).
async function trainTwoTasks(architecture: () => ProgressiveNetworkOptions, kernels: KernelRoute): Promise<Trace> {
  const options = architecture();
  const network = new ProgressiveNetwork(options);
  const examples = STEPS * BATCH;
  const width = options.inputShape.reduce((a, b) => a * b, 1);
  const inputs = tf.tensor(seededValues(examples * width, 11), [examples, ...options.inputShape]);
  const labels = tf.tensor1d(
    Array.from({ length: examples }, (_, i) => i % 3),
    'int32',
  );
  const losses: number[] = [];
  try {
    for (const taskId of ['first', 'second']) {
      network.addTask(taskId, { outputSize: 3 });
      await network.train(
        { taskId, inputs, labels },
        {
          batchSize: BATCH,
          kernels,
          optimizer: { name: 'adam', learningRate: 0.01 },
          onStep: (step) => void losses.push(step.loss),
        },
      );
    }
    const weights = [...network.sharedVariables(), ...network.columnVariables('first'), ...network.columnVariables('second')];
    return { losses, weights: await Promise.all(weights.map(async (variable) => Float32Array.from(await variable.data()))) };
  } finally {
    tf.dispose([inputs, labels]);
    network.dispose();
    options.memory?.dispose();
  }
}

// max |a - b| / max |b| over one array: relative to the array's scale, so near-zero entries do not dominate.
function relativeDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  const scale = Math.max(...Array.from(expected, Math.abs), 1e-12);
  return maxAbsoluteDifference(actual, expected) / scale;
}

async function started(backend: 'cpu' | 'wasm' | 'webgpu'): Promise<boolean> {
  if (backend === 'webgpu') return startedWebGpu(() => initBackend({ backends: 'webgpu' }), 'fused training');
  await initBackend({ backends: backend });
  return true;
}

describe('fused training ops', () => {
  for (const [backend, tolerance] of [
    ['wasm', 1e-5],
    ['cpu', 1e-5],
    ['webgpu', 1e-4],
  ] as const) {
    for (const [name, options] of Object.entries(ARCHITECTURES)) {
      it(`match the composite ops over ${STEPS} steps per task on ${backend} (${name}) within ${tolerance}`, async (context) => {
        if (!(await started(backend))) return context.skip();
        const fused = await trainTwoTasks(options, 'fused');
        const composite = await trainTwoTasks(options, 'composite');
        expect(fused.losses).toHaveLength(2 * STEPS);
        expect(relativeDifference(fused.losses, composite.losses)).toBeLessThan(tolerance);
        fused.weights.forEach((weights, index) =>
          expect(relativeDifference(weights, composite.weights[index]!)).toBeLessThan(tolerance),
        );
        // Training moved the weights: the comparison is not between two untouched initialisations.
        const initial = await trainTwoTasksInitialWeights(options);
        expect(relativeDifference(fused.weights[0]!, initial)).toBeGreaterThan(100 * tolerance);
      });
    }
  }

  it('leaves no tensor behind over an epoch of the MLP on wasm', async () => {
    await initBackend({ backends: 'wasm' });
    const network = new ProgressiveNetwork({
      inputShape: [64],
      extractor: { kind: 'mlp', hiddenSizes: [32, 32] },
      column: { hiddenSizes: [] },
    });
    network.addTask('only', { outputSize: 10 });
    const inputs = tf.tensor2d(seededValues(512 * 64, 2), [512, 64]);
    const labels = tf.tensor1d(
      Array.from({ length: 512 }, (_, i) => i % 10),
      'int32',
    );
    const counts: number[] = [];
    const leaked = await tensorsLeakedBy(() =>
      network.train({ taskId: 'only', inputs, labels }, { batchSize: 32, onStep: (step) => void counts.push(step.numTensors) }),
    );
    expect(leaked).toBe(0);
    expect(counts).toHaveLength(16);
    expect(new Set(counts.slice(1)).size).toBe(1);
    tf.dispose([inputs, labels]);
    network.dispose();
  });
});

// The first variable trainTwoTasks reports, as initialised.
async function trainTwoTasksInitialWeights(architecture: () => ProgressiveNetworkOptions): Promise<Float32Array> {
  const options = architecture();
  const network = new ProgressiveNetwork(options);
  network.addTask('first', { outputSize: 3 });
  const values = Float32Array.from(await [...network.sharedVariables(), ...network.columnVariables('first')][0]!.data());
  network.dispose();
  options.memory?.dispose();
  return values;
}
