import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tfd from '@tensorflow/tfjs-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { maxRelativeDifference, seededValues, tensorsLeakedBy } from '@holomind/testing';
import { denseClassifier, seededData } from '../test/models.js';
import { computeFisher } from './fisher/compute-fisher.js';
import { EwcConsolidator } from './ewc-consolidator.js';
import type { EwcState } from './state.js';
import type { ConsolidationData } from './options.js';

beforeAll(() => initBackend({ backends: 'cpu' }));
afterAll(disposeBackend);

/** A two-variable softmax regression: the smallest target with a real Fisher. */
function linearTarget(seed: number) {
  const w = tf.variable(tf.tensor2d(seededValues(6 * 3, seed), [6, 3]), true, `w-${seed}`);
  const b = tf.variable(tf.tensor1d(seededValues(3, seed + 1)), true, `b-${seed}`);
  const predict = (x: tf.Tensor) => tf.add(tf.matMul(x as tf.Tensor2D, w), b);
  return { w, b, variables: [w, b], predict };
}

/** Moves every variable by seeded noise of the given size. */
function perturb(variables: tf.Variable[], seed: number, size: number): void {
  variables.forEach((variable, i) =>
    tf.tidy(() =>
      variable.assign(tf.add(variable, tf.mul(tf.tensor(seededValues(variable.size, seed + i), variable.shape), size))),
    ),
  );
}

/** λ/2 Σ_consolidations Σ F (θ − θ*)², in float64 from the plain state and the current values. */
function float64Penalty(state: EwcState, current: Map<string, Float32Array>): number {
  let total = 0;
  state.meta.consolidations.forEach((consolidation, index) => {
    for (const { name } of consolidation.parameters) {
      const anchor = state.arrays[`consolidations/${index}/${name}/anchor`]!;
      const fisher = state.arrays[`consolidations/${index}/${name}/fisher`]!;
      const theta = current.get(name)!;
      for (let i = 0; i < theta.length; i++) total += fisher[i]! * (theta[i]! - anchor[i]!) ** 2;
    }
  });
  return (state.meta.options.lambda / 2) * total;
}

function valuesOf(variables: tf.Variable[]): Map<string, Float32Array> {
  return new Map(variables.map((variable) => [variable.name, variable.dataSync() as Float32Array]));
}

describe('EwcConsolidator, separate mode', () => {
  it('penalty equals λ/2 Σ_tasks Σ F (θ − θ*)² and its gradient λ Σ F (θ − θ*), in float64', async () => {
    const { variables, predict } = linearTarget(1);
    const taskA = seededData(40, [6], 3, 2);
    const taskB = seededData(40, [6], 3, 3);
    const ewc = new EwcConsolidator({ lambda: 7 });
    expect(ewc.penalty(variables).dataSync()[0]).toBe(0);
    await ewc.consolidate(variables, taskA, { predict, taskId: 'A' });
    perturb(variables, 10, 0.3);
    const summary = await ewc.consolidate(variables, taskB, { predict, taskId: 'B' });
    expect(summary).toMatchObject({ taskId: 'B', samples: 40, fisher: 'empirical', route: 'per-sample', consolidations: 2 });
    perturb(variables, 20, 0.2);
    const state = ewc.toState();
    expect(ewc.taskIds).toEqual(['A', 'B']);

    const expected = float64Penalty(state, valuesOf(variables));
    const { value, grads } = tf.variableGrads(() => ewc.penalty(variables), variables);
    expect(maxRelativeDifference([value.dataSync()[0]!], [expected])).toBeLessThan(1e-5);
    for (const variable of variables) {
      const gradient = new Float64Array(variable.size);
      const theta = variable.dataSync();
      state.meta.consolidations.forEach((_, index) => {
        const anchor = state.arrays[`consolidations/${index}/${variable.name}/anchor`]!;
        const fisher = state.arrays[`consolidations/${index}/${variable.name}/fisher`]!;
        for (let i = 0; i < gradient.length; i++) gradient[i]! += 7 * fisher[i]! * (theta[i]! - anchor[i]!);
      });
      expect(maxRelativeDifference(grads[variable.name]!.dataSync(), gradient, 1e-6)).toBeLessThan(1e-4);
    }
    tf.dispose([value, ...Object.values(grads), taskA.inputs, taskA.labels, taskB.inputs, taskB.labels, ...variables]);
    ewc.dispose();
  });

  it('stores the Fisher that computeFisher gives and the parameters at consolidation time', async () => {
    const { variables, predict } = linearTarget(4);
    const task = seededData(25, [6], 3, 5);
    const ewc = new EwcConsolidator({ lambda: 1, fisher: 'true' });
    await ewc.consolidate(variables, task, { predict, seed: 9 });
    const direct = await computeFisher(variables, task, 'true', { predict, seed: 9 });
    const state = ewc.toState();
    for (const variable of variables) {
      expect(state.arrays[`consolidations/0/${variable.name}/fisher`]).toEqual(direct.fisher.get(variable.name));
      expect(state.arrays[`consolidations/0/${variable.name}/anchor`]).toEqual(variable.dataSync());
    }
    tf.dispose([task.inputs, task.labels, ...variables]);
    ewc.dispose();
  });

  it('takes { xs, ys } and a tf.data.Dataset of either, with the Fisher of { inputs, labels }', async () => {
    const { variables, predict } = linearTarget(4);
    const task = seededData(24, [6], 3, 11);
    const fisherOf = async (data: ConsolidationData) => {
      const ewc = new EwcConsolidator({ lambda: 1 });
      await ewc.consolidate(variables, data, { predict, seed: 3 });
      const arrays = ewc.toState().arrays;
      ewc.dispose();
      return arrays;
    };
    const reference = await fisherOf(task);
    const leaked = await tensorsLeakedBy(async () => {
      expect(await fisherOf({ xs: task.inputs, ys: task.labels })).toEqual(reference);
      const rows = (await task.inputs.array()) as number[][];
      const labels = await task.labels.array();
      const samples = tfd.array(rows.map((x, i) => ({ x, y: labels[i]! }))).map((row) => {
        const { x, y } = row as { x: number[]; y: number };
        return { xs: tf.tensor1d(x), ys: tf.scalar(y, 'int32') };
      });
      expect(await fisherOf(samples.batch(5))).toEqual(reference);
      expect(await fisherOf(samples)).toEqual(reference);
    });
    expect(leaked).toBe(0);
    tf.dispose([task.inputs, task.labels, ...variables]);
  });

  it('consolidating a known task id replaces that task', async () => {
    const { variables, predict } = linearTarget(6);
    const task = seededData(20, [6], 3, 7);
    const ewc = new EwcConsolidator({ lambda: 1 });
    await ewc.consolidate(variables, task, { predict, taskId: 'A' });
    await ewc.consolidate(variables, task, { predict, taskId: 'B' });
    perturb(variables, 30, 0.5);
    const summary = await ewc.consolidate(variables, task, { predict, taskId: 'A' });
    expect(summary.consolidations).toBe(2);
    expect(ewc.taskIds).toEqual(['A', 'B']);
    expect(ewc.toState().arrays[`consolidations/0/${variables[0]!.name}/anchor`]).toEqual(variables[0]!.dataSync());
    tf.dispose([task.inputs, task.labels, ...variables]);
    ewc.dispose();
  });

  it('normalize scales each task to max 1 and minImportance zeroes what falls below', async () => {
    const { variables, predict } = linearTarget(8);
    const task = seededData(30, [6], 3, 9);
    const raw = await computeFisher(variables, task, 'empirical', { predict });
    const rawMax = Math.max(...[...raw.fisher.values()].flatMap((values) => [...values]));
    const ewc = new EwcConsolidator({ lambda: 1, normalize: true, minImportance: 0.3 });
    const summary = await ewc.consolidate(variables, task, { predict });
    const state = ewc.toState();
    let expectedZeroed = 0;
    for (const variable of variables) {
      const stored = state.arrays[`consolidations/0/${variable.name}/fisher`]!;
      raw.fisher.get(variable.name)!.forEach((value, i) => {
        const scaled = value / rawMax;
        if (scaled > 0 && scaled < 0.3) expectedZeroed++;
        expect(stored[i]).toBeCloseTo(scaled < 0.3 ? 0 : scaled, 6);
      });
    }
    expect(summary.maxImportance).toBeCloseTo(1, 6);
    expect(summary.zeroed).toBe(expectedZeroed);
    expect(expectedZeroed).toBeGreaterThan(0);
    tf.dispose([task.inputs, task.labels, ...variables]);
    ewc.dispose();
  });
});

describe('EwcConsolidator, online mode', () => {
  it('keeps F = γ F_old + F_new and one anchor at the newest parameters', async () => {
    const { variables, predict } = linearTarget(11);
    const taskA = seededData(30, [6], 3, 12);
    const taskB = seededData(30, [6], 3, 13);
    const ewc = new EwcConsolidator({ lambda: 3, mode: 'online', gamma: 0.6 });
    const fisherA = await computeFisher(variables, taskA, 'empirical', { predict });
    await ewc.consolidate(variables, taskA, { predict, taskId: 'A' });
    perturb(variables, 40, 0.3);
    const fisherB = await computeFisher(variables, taskB, 'empirical', { predict });
    const summary = await ewc.consolidate(variables, taskB, { predict, taskId: 'B' });
    expect(summary.consolidations).toBe(1);
    expect(ewc.taskIds).toEqual(['A', 'B']);
    const state = ewc.toState();
    for (const variable of variables) {
      const expected = fisherB.fisher.get(variable.name)!.map((value, i) => 0.6 * fisherA.fisher.get(variable.name)![i]! + value);
      expect(maxRelativeDifference(state.arrays[`consolidations/0/${variable.name}/fisher`]!, expected, 1e-9)).toBeLessThan(1e-6);
      expect(state.arrays[`consolidations/0/${variable.name}/anchor`]).toEqual(variable.dataSync());
    }
    perturb(variables, 50, 0.2);
    const penalty = ewc.penalty(variables);
    expect(maxRelativeDifference([penalty.dataSync()[0]!], [float64Penalty(state, valuesOf(variables))])).toBeLessThan(1e-5);
    tf.dispose([penalty, taskA.inputs, taskA.labels, taskB.inputs, taskB.labels, ...variables]);
    ewc.dispose();
  });
});

describe('EwcConsolidator state', () => {
  it('round-trips through plain JSON meta and Float32Arrays into an identical penalty', async () => {
    const { variables, predict } = linearTarget(14);
    const task = seededData(20, [6], 3, 15);
    const ewc = new EwcConsolidator({ lambda: 2.5, mode: 'online', gamma: 0.9, normalize: true });
    await ewc.consolidate(variables, task, { predict, taskId: 'first' });
    perturb(variables, 60, 0.4);
    const state = ewc.toState();
    const copied: EwcState = {
      meta: JSON.parse(JSON.stringify(state.meta)),
      arrays: Object.fromEntries(Object.entries(state.arrays).map(([key, values]) => [key, Float32Array.from(values)])),
    };
    for (const values of Object.values(state.arrays)) expect(values).toBeInstanceOf(Float32Array);
    const restored = EwcConsolidator.fromState(copied);
    expect(restored.options).toEqual(ewc.options);
    expect(restored.taskIds).toEqual(['first']);
    const [original, again] = [ewc.penalty(variables), restored.penalty(variables)];
    expect(again.dataSync()[0]).toBe(original.dataSync()[0]);
    expect(original.dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([original, again, task.inputs, task.labels, ...variables]);
    ewc.dispose();
    restored.dispose();
  });
});

describe('EwcConsolidator tensors', () => {
  it('owns 2 tensors per parameter after consolidate, leaks none across consolidate/penalty/loss, frees them on dispose', async () => {
    const model = denseClassifier(16);
    const task = seededData(24, [8], 3, 17);
    const ewc = new EwcConsolidator({ lambda: 5 });
    const loss = ewc.loss(model, 'categoricalCrossentropy');
    const oneHot = tf.oneHot(task.labels, 3);
    const before = tf.memory().numTensors;
    await ewc.consolidate(model, task, { taskId: 'A', batchSize: 10 });
    const owned = 2 * model.trainableWeights.length;
    expect(tf.memory().numTensors - before).toBe(owned);
    await ewc.consolidate(model, task, { taskId: 'B' });
    expect(tf.memory().numTensors - before).toBe(owned);
    const leaked = await tensorsLeakedBy(() => {
      tf.dispose(ewc.penalty(model));
      const predictions = model.predict(task.inputs) as tf.Tensor;
      tf.dispose([loss(oneHot, predictions), predictions]);
      const { value, grads } = tf.variableGrads(() => ewc.penalty(model));
      tf.dispose([value, ...Object.values(grads)]);
    });
    expect(leaked).toBe(0);
    ewc.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(ewc.penalty(model)); // re-creates its terms
    expect(tf.memory().numTensors - before).toBe(owned);
    ewc.dispose();
    tf.dispose([task.inputs, task.labels, oneHot]);
    model.dispose();
  });
});

describe('EwcConsolidator.loss with model.fit', () => {
  it('adds the penalty to the compiled loss and holds important weights near their anchor', async () => {
    const trainAndDrift = async (lambda: number) => {
      const model = denseClassifier(21);
      const taskA = seededData(64, [8], 3, 22);
      const taskB = seededData(64, [8], 3, 23);
      const ewc = new EwcConsolidator({ lambda });
      model.compile({ optimizer: tf.train.sgd(0.2), loss: ewc.loss(model, 'categoricalCrossentropy') });
      const labelsB = tf.oneHot(taskB.labels, 3);
      await ewc.consolidate(model, taskA, { taskId: 'A' });
      const base = tfl.metrics.categoricalCrossentropy(tf.oneHot(taskB.labels, 3), model.predict(taskB.inputs) as tf.Tensor);
      const reported = ((await model.evaluate(taskB.inputs, labelsB)) as tf.Scalar).dataSync()[0]!;
      // No drift yet: the penalty is 0, so evaluate reports the base loss.
      expect(reported).toBeCloseTo(tf.mean(base).dataSync()[0]!, 5);
      await model.fit(taskB.inputs, labelsB, { epochs: 15, batchSize: 16, verbose: 0, shuffle: false });
      // Fisher-weighted drift Σ F (θ − θ*)², the quantity EWC holds down (λ = 0 still stores F).
      const state = ewc.toState();
      state.meta.options.lambda = 2;
      const drift = float64Penalty(
        state,
        new Map(model.weights.map((weight) => [weight.name, weight.read().dataSync() as Float32Array])),
      );
      const penalty = ewc.penalty(model).dataSync()[0]!;
      const evaluated = ((await model.evaluate(taskB.inputs, labelsB)) as tf.Scalar).dataSync()[0]!;
      const baseAfter = tf
        .mean(tfl.metrics.categoricalCrossentropy(tf.oneHot(taskB.labels, 3), model.predict(taskB.inputs) as tf.Tensor))
        .dataSync()[0]!;
      tf.dispose([taskA.inputs, taskA.labels, taskB.inputs, taskB.labels, labelsB]);
      ewc.dispose();
      model.dispose();
      return { drift, penalty, evaluated, baseAfter };
    };
    const free = await trainAndDrift(0);
    const held = await trainAndDrift(20);
    expect(held.drift).toBeLessThan(free.drift / 4);
    expect(held.penalty).toBeGreaterThan(0);
    expect(held.evaluated).toBeCloseTo(held.baseAfter + held.penalty, 4);
    expect(free.evaluated).toBeCloseTo(free.baseAfter, 5);
  });

  it('also works as a penalty term inside optimizer.minimize', async () => {
    const { variables, predict } = linearTarget(24);
    const task = seededData(20, [6], 3, 25);
    const ewc = new EwcConsolidator({ lambda: 10 });
    await ewc.consolidate(variables, task, { predict });
    perturb(variables, 70, 0.5);
    const optimizer = tf.train.sgd(0.01);
    const first = ewc.penalty(variables).dataSync()[0]!;
    for (let step = 0; step < 20; step++) optimizer.minimize(() => ewc.penalty(variables), false, variables);
    const last = ewc.penalty(variables).dataSync()[0]!;
    expect(last).toBeLessThan(first * 0.9);
    tf.dispose([task.inputs, task.labels, ...variables]);
    optimizer.dispose();
    ewc.dispose();
  });
});
