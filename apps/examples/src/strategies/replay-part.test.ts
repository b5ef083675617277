import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchmarkTask } from '@holomind/data';
import { EpisodicMemory, type EpisodeSample } from '@holomind/memory';
import { ProgressiveNetwork } from '@holomind/network';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { maxRelativeDifference, seededValues, tensorsLeakedBy } from '@holomind/testing';
import type { TaskContext } from './continual-strategy.js';
import { ReplayPart, type ReplayOptions } from './replay-part.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(() => disposeBackend());

const INPUT = 6;
const STORED = 24;
// Two tasks of two source classes each; each column outputs 2 (task-IL) or one shared column 4 (class-IL).
const SCENARIOS = {
  'task-IL, a column per task (narrower than the stored logits)': {
    columns: [
      ['c0', 2],
      ['c1', 2],
    ] as const,
    columnOf: (task: number) => `c${task}`,
    targetLabels: () => [0, 1],
  },
  'class-IL, one shared column': {
    columns: [['shared', 4]] as const,
    columnOf: () => 'shared',
    targetLabels: (task: number) => [2 * task, 2 * task + 1],
  },
};

function filledMemory(columnCount: number): EpisodicMemory {
  const memory = new EpisodicMemory({ budget: STORED, inputSize: INPUT, classCount: 4, logitSize: 4, seed: 5 });
  for (const task of [0, 1]) {
    const labels = Int32Array.from({ length: STORED / 2 }, (_, i) => 2 * task + (i % 2));
    const logits = seededValues((STORED / 2) * 4, 40 + task);
    // A column of width 2 stores its logits zero-padded to the memory's 4.
    if (columnCount === 2) for (let row = 0; row < STORED / 2; row++) logits.fill(0, row * 4 + 2, row * 4 + 4);
    memory.write({ inputs: seededValues((STORED / 2) * INPUT, 30 + task), labels, task, logits });
  }
  return memory;
}

// The loss as it was computed before the draws shared a forward pass: each draw, each column on its
// own, cross-entropy through tf.oneHot and tfjs's means, rows weighted by their share of the draw.
function referenceLoss(context: TaskContext, memory: EpisodicMemory, options: ReplayOptions): tf.Scalar {
  const count = Math.min(options.replayBatch, memory.size);
  const term = (sample: EpisodeSample, kind: 'labels' | 'logits') => {
    const columns = [...new Set(Array.from(sample.tasks, (task) => context.columnOf(task)))];
    return tf.addN(
      columns.map((column) => {
        const rows = [...sample.tasks.keys()].filter((row) => context.columnOf(sample.tasks[row]!) === column);
        const inputs = tf.tensor2d(
          rows.flatMap((row) => [...sample.inputs.subarray(row * INPUT, (row + 1) * INPUT)]),
          [rows.length, INPUT],
        );
        const logits = context.network.forward(inputs, column);
        const width = logits.shape[1];
        let loss: tf.Tensor;
        if (kind === 'labels') {
          const labels = rows.map((row) => {
            const task = context.tasks[sample.tasks[row]!]!;
            return task.targetLabels[task.classes.indexOf(sample.labels[row]!)]!;
          });
          const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), width);
          loss = tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1)));
        } else {
          const stored = rows.flatMap((row) => [...sample.logits.subarray(row * 4, row * 4 + width)]);
          loss = tf.mean(tf.squaredDifference(logits, tf.tensor2d(stored, [rows.length, width])));
        }
        return tf.mul(loss, rows.length / count);
      }),
    );
  };
  const first = memory.sample(count);
  if (options.kind === 'er') return term(first, 'labels') as tf.Scalar;
  const second = memory.sample(count);
  return tf.add(tf.mul(options.alpha, term(first, 'logits')), tf.mul(options.beta, term(second, 'labels'))) as tf.Scalar;
}

// The loss and, in the network's variable order, its gradients, read back and released.
async function lossAndGradients(network: ProgressiveNetwork, loss: () => tf.Scalar) {
  const names = network.trainableVariables().map((variable) => variable.name);
  const { value, grads } = tf.variableGrads(loss, network.trainableVariables());
  const [lossValue, ...gradients] = await Promise.all([value.dataSync()[0]!, ...names.map((name) => grads[name]!.data())]);
  tf.dispose([value, ...Object.values(grads)]);
  return { value: lossValue as number, gradients: gradients as Float32Array[] };
}

describe('ReplayPart loss (draws in one forward pass per column)', () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    for (const kind of ['derpp', 'er'] as const) {
      it(`${kind}, ${name}: value and gradients equal the per-draw reference within 1e-5, no tensor leaks`, async () => {
        const network = new ProgressiveNetwork({
          inputShape: [INPUT],
          extractor: { kind: 'mlp', hiddenSizes: [5] },
          column: { hiddenSizes: [5] },
          seed: 4,
        });
        for (const [column, outputSize] of scenario.columns) network.addTask(column, { outputSize });
        const tasks = [0, 1].map((task) => ({ classes: [2 * task, 2 * task + 1], targetLabels: scenario.targetLabels(task) }));
        const memory = filledMemory(scenario.columns.length);
        const twin = EpisodicMemory.fromState(memory.toState()); // the same draws for the reference
        const options: ReplayOptions = { kind, replayBatch: 10, alpha: 0.3, beta: 0.5 };
        const context = {
          network,
          tasks: tasks as unknown as BenchmarkTask[],
          taskIndex: 1,
          columnOf: scenario.columnOf,
        } as unknown as TaskContext;
        const part = new ReplayPart(memory, options);
        const regularizer = part.loss(context)!;
        try {
          for (let step = 0; step < 3; step++) {
            const fast = await lossAndGradients(network, () => regularizer());
            const reference = await lossAndGradients(network, () => referenceLoss(context, twin, options));
            expect(Math.abs(fast.value - reference.value) / Math.abs(reference.value)).toBeLessThan(1e-5);
            fast.gradients.forEach((gradient, index) =>
              expect(maxRelativeDifference(gradient, reference.gradients[index]!, 1e-3)).toBeLessThan(1e-5),
            );
          }
          expect(await tensorsLeakedBy(() => lossAndGradients(network, () => regularizer()))).toBe(0);
        } finally {
          network.dispose();
        }
      });
    }
  }
});
