import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedPackages, type PackedProject } from '@holomind/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tensorKernelsDir = fileURLToPath(new URL('../../tensor-kernels', import.meta.url));

describe('@holomind/ewc installed from its tarball into a plain TensorFlow.js project', () => {
  let project: PackedProject;

  beforeAll(async () => {
    project = await installPackedPackages({
      packageDirs: [packageDir, tensorKernelsDir],
      registryDependencies: {
        '@tensorflow/tfjs-core': '4.22.0',
        '@tensorflow/tfjs-layers': '4.22.0',
        '@tensorflow/tfjs-data': '4.22.0',
        '@tensorflow/tfjs-backend-wasm': '4.22.0',
        '@tensorflow/tfjs-backend-cpu': '4.22.0',
      },
    });
  });
  afterAll(() => project?.remove());

  it('trains a tf.sequential on two tasks with EWC through model.fit, consolidates { xs, ys } and a tf.data.Dataset alike, and restores the state', async () => {
    const output = await project.runScript(`
      import * as tf from '@tensorflow/tfjs-core';
      import * as tfl from '@tensorflow/tfjs-layers';
      import * as tfd from '@tensorflow/tfjs-data';
      import { initBackend } from '@holomind/tensor-kernels';
      import { EwcConsolidator, EwcError } from '@holomind/ewc';

      await initBackend({ backends: 'wasm' });
      // Two tasks told apart by input 7 (+1 or -1): the sign of input 0, then the sign of input 1.
      const task = (column, flag, seed) => tf.tidy(() => {
        const noise = tf.randomUniform([256, 7], -1, 1, 'float32', seed);
        const inputs = tf.concat([noise, tf.fill([256, 1], flag)], 1);
        const labels = tf.oneHot(tf.cast(tf.greater(tf.squeeze(tf.slice(noise, [0, column], [-1, 1]), [1]), 0), 'int32'), 2);
        return { inputs, labels };
      });
      const [taskA, taskB] = [task(0, 1, 7), task(1, -1, 8)];
      const accuracy = (model, { inputs, labels }) => tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model.predict(inputs), -1), tf.argMax(labels, -1)), 'float32')).dataSync()[0]);

      async function run(lambda) {
        const model = tfl.sequential({ layers: [
          tfl.layers.dense({ units: 16, inputShape: [8], activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }), name: 'hidden' }),
          tfl.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }), name: 'head' }),
        ] });
        const ewc = new EwcConsolidator({ lambda });
        model.compile({ optimizer: tf.train.adam(0.03), loss: ewc.loss(model, 'categoricalCrossentropy') });
        await model.fit(taskA.inputs, taskA.labels, { epochs: 30, batchSize: 32, verbose: 0, shuffle: false });
        const learnedA = accuracy(model, taskA);
        const before = tf.memory().numTensors;
        const summary = await ewc.consolidate(model, taskA, { taskId: 'A' });
        const owned = tf.memory().numTensors - before;
        // The same task as { xs, ys } (model.fit's names) and as a batched tf.data.Dataset: the same Fisher.
        const fisherOf = async (data) => {
          const other = new EwcConsolidator({ lambda });
          await other.consolidate(model, data, { taskId: 'A' });
          const arrays = other.toState().arrays;
          other.dispose();
          return JSON.stringify(Object.entries(arrays).map(([name, values]) => [name, Array.from(values)]));
        };
        const reference = JSON.stringify(Object.entries(ewc.toState().arrays).map(([name, values]) => [name, Array.from(values)]));
        const [rows, targets] = [await taskA.inputs.array(), await taskA.labels.array()];
        const dataset = tfd.array(rows.map((x, i) => ({ x, y: targets[i] }))).map(({ x, y }) => ({ xs: tf.tensor1d(x), ys: tf.tensor1d(y) })).batch(64);
        const beforeForms = tf.memory().numTensors;
        const sameForXsYs = (await fisherOf({ xs: taskA.inputs, ys: taskA.labels })) === reference;
        const sameForDataset = (await fisherOf(dataset)) === reference;
        const formsLeaked = tf.memory().numTensors - beforeForms;
        await model.fit(taskB.inputs, taskB.labels, { epochs: 30, batchSize: 32, verbose: 0, shuffle: false });
        const penalty = tf.tidy(() => ewc.penalty(model).dataSync()[0]);
        const restored = EwcConsolidator.fromState(ewc.toState());
        const restoredPenalty = tf.tidy(() => restored.penalty(model).dataSync()[0]);
        restored.dispose();
        ewc.dispose();
        const result = { learnedA, keptA: accuracy(model, taskA), learnedB: accuracy(model, taskB), route: summary.route, owned, penalty, restoredPenalty, sameForXsYs, sameForDataset, formsLeaked };
        model.dispose();
        return result;
      }
      let negativeLambda = '';
      try { new EwcConsolidator({ lambda: -1 }); } catch (error) { negativeLambda = EwcError.isInstance(error) ? error.code : 'other'; }
      console.log(JSON.stringify({ ewc: await run(500), fineTuning: await run(0), negativeLambda, backend: tf.getBackend() }));
    `);
    const result = JSON.parse(output.trim().split('\n').pop()!) as {
      ewc: Record<string, number | string | boolean>;
      fineTuning: Record<string, number | string | boolean>;
      negativeLambda: string;
      backend: string;
    };
    console.log(JSON.stringify(result));
    expect(result.backend).toBe('wasm');
    expect(result.negativeLambda).toBe('INVALID_OPTION');
    expect(result.ewc).toMatchObject({ route: 'one-pass', owned: 8, sameForXsYs: true, sameForDataset: true, formsLeaked: 0 });
    expect(result.ewc.learnedA).toBeGreaterThan(0.9);
    expect(result.ewc.penalty).toBeGreaterThan(0);
    expect(result.ewc.restoredPenalty).toBeCloseTo(result.ewc.penalty as number, 6);
    // EWC keeps more of task A than fine-tuning does after the same training on task B (deterministic: seeded, no shuffle).
    expect(result.ewc.keptA).toBeGreaterThan((result.fineTuning.keptA as number) + 0.1);
  });
});
