import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { maxAbsoluteDifference, seededValues, tensorsLeakedBy } from '@holomind/testing';
import { referenceForward } from '../test/reference.js';
import { ProgressiveNetwork } from './progressive-network.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

// Freshly drawn parameters are small; perturbing them (through a state) makes every lateral term matter.
function perturbed(network: ProgressiveNetwork, seed: number): ProgressiveNetwork {
  const state = network.toState();
  Object.keys(state.arrays).forEach((name, index) => {
    const noise = seededValues(state.arrays[name]!.length, seed + index);
    state.arrays[name] = Float32Array.from(state.arrays[name]!, (v, i) => v + 0.3 * noise[i]!);
  });
  network.dispose();
  return ProgressiveNetwork.fromState(state);
}

describe('ProgressiveNetwork.forward', () => {
  for (const extractor of [{ kind: 'none' as const }, { kind: 'mlp' as const, hiddenSizes: [7] }]) {
    it(`matches a float64 PNN with lateral adapters from every earlier column (extractor ${extractor.kind})`, () => {
      const built = new ProgressiveNetwork({ inputShape: [5], extractor, column: { hiddenSizes: [6, 4] }, seed: 11 });
      built.addTask('a', { outputSize: 3 });
      built.addTask('b', { outputSize: 2, hiddenSizes: [5, 3] });
      built.addTask('c', { outputSize: 4, adapterSize: 2 });
      const network = perturbed(built, 100);
      const batch = 4;
      const inputValues = seededValues(batch * 5, 3);
      const inputs = tf.tensor2d(inputValues, [batch, 5]);
      const state = network.toState();
      ['a', 'b', 'c'].forEach((taskId, index) => {
        const logits = network.forward(inputs, taskId);
        const expected = referenceForward(state, inputValues, batch, index);
        expect(logits.shape).toEqual([batch, state.config.tasks[index]!.outputSize]);
        // float32 sums of a few dozen O(1) terms.
        expect(maxAbsoluteDifference(logits.dataSync(), expected)).toBeLessThan(1e-5);
        logits.dispose();
      });
      inputs.dispose();
      network.dispose();
    });
  }

  it('runs a column added with lateral: false on the features alone, through a state round trip', () => {
    const built = new ProgressiveNetwork({
      inputShape: [5],
      extractor: { kind: 'none' },
      column: { hiddenSizes: [6, 4] },
      seed: 12,
    });
    built.addTask('a', { outputSize: 3 });
    built.addTask('b', { outputSize: 2, lateral: false });
    built.addTask('c', { outputSize: 4 }); // reads both earlier columns, the independent one too
    const network = perturbed(built, 200);
    const state = network.toState();
    expect(state.config.tasks.map((task) => task.lateral)).toEqual([undefined, false, undefined]);
    expect(Object.keys(state.arrays).filter((name) => name.startsWith('columns.1.lateral'))).toEqual([]);
    const batch = 3;
    const inputValues = seededValues(batch * 5, 4);
    const inputs = tf.tensor2d(inputValues, [batch, 5]);
    ['a', 'b', 'c'].forEach((taskId, index) => {
      const logits = network.forward(inputs, taskId);
      expect(maxAbsoluteDifference(logits.dataSync(), referenceForward(state, inputValues, batch, index))).toBeLessThan(1e-5);
      logits.dispose();
    });
    inputs.dispose();
    network.dispose();
  });

  it('refuses a lateral option that is not a boolean, naming the task', () => {
    const network = new ProgressiveNetwork({ inputShape: [3], column: { hiddenSizes: [4] } });
    network.addTask('a', { outputSize: 2 });
    expect(() => network.addTask('b', { outputSize: 2, lateral: 'no' as unknown as boolean })).toThrow(
      /lateral of task 'b' must be true or false, got "no"/,
    );
    network.dispose();
  });

  it('evaluates in batches exactly as one forward over every example, checked in float64', async () => {
    const built = new ProgressiveNetwork({ inputShape: [5], column: { hiddenSizes: [6] }, seed: 13 });
    built.addTask('a', { outputSize: 3 });
    const network = perturbed(built, 300);
    const examples = 10;
    const inputs = tf.tensor2d(seededValues(examples * 5, 5), [examples, 5]);
    const labels = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32');
    const logits = network.forward(inputs, 'a');
    const rows = logits.arraySync();
    const classes = labels.arraySync();
    let correct = 0;
    let loss = 0;
    rows.forEach((row, i) => {
      const max = Math.max(...row);
      const logSum = max + Math.log(row.reduce((sum, value) => sum + Math.exp(value - max), 0));
      loss += logSum - row[classes[i]!]!;
      if (row.indexOf(max) === classes[i]) correct++;
    });
    const before = tf.memory().numTensors;
    // Batches of 3 over 10 examples: the last batch is short.
    const evaluation = await network.evaluate({ taskId: 'a', inputs, labels }, { batchSize: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(evaluation.accuracy).toBe(correct / examples);
    expect(Math.abs(evaluation.loss - loss / examples)).toBeLessThan(1e-5);
    tf.dispose([inputs, labels, logits]);
    network.dispose();
  });

  it('leaks no tensor and leaves every variable to dispose()', async () => {
    const before = tf.memory().numTensors;
    const network = new ProgressiveNetwork({ inputShape: [3], column: { hiddenSizes: [4] } });
    network.addTask('a', { outputSize: 2 });
    network.addTask('b', { outputSize: 2 });
    const inputs = tf.ones([2, 3]);
    expect(await tensorsLeakedBy(() => tf.dispose(network.forward(inputs, 'b')))).toBe(0);
    inputs.dispose();
    network.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('ProgressiveNetwork.describe', () => {
  it('reports layers, shapes, lateral links, frozen flags and parameter counts as JSON', () => {
    const network = new ProgressiveNetwork({
      inputShape: [28, 28, 1],
      extractor: { kind: 'conv', filters: [4], denseSize: 16 },
      column: { hiddenSizes: [8, 6] },
    });
    network.addTask('first', { outputSize: 2 });
    network.addTask('second', { outputSize: 3 });
    const description = network.describe();
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
    expect(description.extractor).toMatchObject({ kind: 'conv', frozen: true, outputSize: 16 });
    expect(description.extractor.layers.map((l) => [l.kind, l.inputShape, l.outputShape])).toEqual([
      ['conv2d', [28, 28, 1], [28, 28, 4]],
      ['maxPool', [28, 28, 4], [14, 14, 4]],
      ['flatten', [14, 14, 4], [784]],
      ['dense', [784], [16]],
    ]);
    const second = description.columns[1]!;
    expect(second).toMatchObject({ taskId: 'second', index: 1, frozen: false, inputSize: 16, outputSize: 3 });
    expect(second.layers.map((l) => [l.inputShape[0], l.outputShape[0], l.activation])).toEqual([
      [16, 8, 'relu'],
      [8, 6, 'relu'],
      [6, 3, 'linear'],
    ]);
    expect(
      second.laterals.map((l) => ({ target: l.targetLayer, from: l.fromTasks, widths: l.sourceWidths, out: l.outputShape })),
    ).toEqual([
      { target: 1, from: ['first'], widths: [8], out: [6] },
      { target: 2, from: ['first'], widths: [6], out: [3] },
    ]);
    expect(description.columns[0]!.frozen).toBe(true);
    const counted = network.toState();
    const total = Object.values(counted.arrays).reduce((sum, a) => sum + a.length, 0);
    expect(description.parameters.total).toBe(total);
    expect(description.parameters.trainable).toBe(second.parameters);
    network.dispose();
  });
});
