import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { seededValues, tensorsLeakedBy } from '@holomind/testing';
import { disposeBackend, initBackend } from '../init-backend.js';
import { fusedAdam } from './fused-adam.js';

afterAll(disposeBackend);

// Sizes that fill whole SIMD lanes, leave a remainder of 1-3, and a bias of one.
const SHAPES: number[][] = [[37, 11], [400], [10], [1], [64, 4]];
let created = 0;

// The same initial values in two sets of variables: one trained by tf.train.adam, one by fusedAdam.
function twinVariables(): [tf.Variable[], tf.Variable[]] {
  created++;
  const make = (prefix: string) =>
    SHAPES.map((shape, index) =>
      tf.variable(tf.tensor(seededValues(tf.util.sizeFromShape(shape), index + 1), shape), true, `${prefix}${created}.${index}`),
    );
  return [make('reference'), make('fused')];
}

// Gradients of step `step`, by position; some steps are tiny (subnormal moments), and one variable has none (null) at step 3.
function gradientsAt(step: number): (tf.Tensor | null)[] {
  return SHAPES.map((shape, index) => {
    if (step === 3 && index === 2) return null;
    // The last variable's gradients stay below ε (1e-7), where ε decides the update.
    const scale = index === SHAPES.length - 1 ? 1e-8 : step % 5 === 4 ? 1e-20 : 1;
    const values = seededValues(tf.util.sizeFromShape(shape), 100 * step + index).map((value) => value * scale);
    return tf.tensor(values, shape);
  });
}

// By variable name; a missing gradient stays as a null entry (tfjs optimizers keep moments by position).
function named(variables: tf.Variable[], gradients: (tf.Tensor | null)[]): VariableGradients {
  return Object.fromEntries(variables.map((variable, index) => [variable.name, gradients[index]])) as VariableGradients;
}

type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

function expectSameBits(actual: tf.Tensor[], expected: tf.Tensor[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((tensor, index) => expect(tensor.dataSync()).toEqual(expected[index]!.dataSync()));
}

// 25 steps of each optimizer on twin variables: values, moments and iteration count bit for bit.
async function expectTrainsAsTfjsAdam(): Promise<void> {
  const [reference, fused] = twinVariables();
  const [referenceOptimizer, fusedOptimizer] = [tf.train.adam(0.01), fusedAdam(0.01)];
  for (let step = 0; step < 25; step++) {
    const gradients = gradientsAt(step);
    referenceOptimizer.applyGradients(named(reference, gradients));
    // Every other step as a NamedTensor[], the optimizer API's other form.
    const fusedGradients = named(fused, gradients);
    fusedOptimizer.applyGradients(
      step % 2 ? Object.entries(fusedGradients).map(([name, tensor]) => ({ name, tensor })) : fusedGradients,
    );
    tf.dispose(gradients.filter((gradient): gradient is tf.Tensor => gradient !== null));
  }
  expectSameBits(fused, reference);
  const [referenceWeights, fusedWeights] = [await referenceOptimizer.getWeights(), await fusedOptimizer.getWeights()];
  expect(fusedWeights.map(({ name }) => name.replace('fused', ''))).toEqual(
    referenceWeights.map(({ name }) => name.replace('reference', '')),
  );
  expectSameBits(
    fusedWeights.map(({ tensor }) => tensor),
    referenceWeights.map(({ tensor }) => tensor),
  );
  tf.dispose([...reference, ...fused]);
  referenceOptimizer.dispose();
  fusedOptimizer.dispose();
}

describe.each(['wasm', 'cpu'] as const)('fusedAdam on %s', (backend) => {
  it('trains variables bit for bit as tf.train.adam over 25 steps, moments and iterations included', async () => {
    await initBackend({ backends: backend });
    await expectTrainsAsTfjsAdam();
  });

  it('continues from saved weights (setWeights) as tf.train.adam does, and leaks nothing per step', async () => {
    await initBackend({ backends: backend });
    const [reference, fused] = twinVariables();
    const trained = tf.train.adam(0.001);
    for (let step = 0; step < 5; step++) {
      const gradients = gradientsAt(step);
      trained.applyGradients(named(reference, gradients));
      tf.dispose(gradients.filter((gradient): gradient is tf.Tensor => gradient !== null));
    }
    fused.forEach((variable, index) => variable.assign(reference[index]!));
    // Restored into each optimizer (setWeights derives 1 − βᵗ from the iteration count, as tfjs does).
    const saved = await trained.getWeights();
    const [referenceOptimizer, fusedOptimizer] = [tf.train.adam(0.001), fusedAdam(0.001)];
    await referenceOptimizer.setWeights(saved.map(({ name, tensor }) => ({ name, tensor: tf.clone(tensor) })));
    await fusedOptimizer.setWeights(
      saved.map(({ name, tensor }) => ({ name: name.replace('reference', 'fused'), tensor: tf.clone(tensor) })),
    );
    const gradients = gradientsAt(6);
    referenceOptimizer.applyGradients(named(reference, gradients));
    fusedOptimizer.applyGradients(named(fused, gradients));
    expectSameBits(fused, reference);
    const leaked = await tensorsLeakedBy(() => fusedOptimizer.applyGradients(named(fused, gradients)));
    expect(leaked).toBe(0);
    // On wasm the update runs on the heap (no Sqrt kernel: the step module did it); elsewhere tfjs's ops.
    const profile = await tf.profile(() => fusedOptimizer.applyGradients(named(fused, gradients)));
    expect(profile.kernels.some(({ name }) => name === 'Sqrt')).toBe(backend !== 'wasm');
    tf.dispose([...reference, ...fused, ...gradients.filter((gradient): gradient is tf.Tensor => gradient !== null)]);
    for (const optimizer of [trained, referenceOptimizer, fusedOptimizer]) optimizer.dispose();
  });
});

describe('fusedAdam on wasm when the heap grows', () => {
  it('keeps exact after a large allocation moves the heap between steps', async () => {
    await initBackend({ backends: 'wasm' });
    const [reference, fused] = twinVariables();
    const [referenceOptimizer, fusedOptimizer] = [tf.train.adam(0.01), fusedAdam(0.01)];
    const grown: tf.Tensor[] = [];
    for (let step = 0; step < 4; step++) {
      const gradients = gradientsAt(step);
      referenceOptimizer.applyGradients(named(reference, gradients));
      fusedOptimizer.applyGradients(named(fused, gradients));
      grown.push(tf.zeros([32, 1024, 1024])); // 128 MB a step: the heap grows (and moves) between steps
      tf.dispose(gradients.filter((gradient): gradient is tf.Tensor => gradient !== null));
    }
    expectSameBits(fused, reference);
    tf.dispose([...grown, ...reference, ...fused]);
    referenceOptimizer.dispose();
    fusedOptimizer.dispose();
  });
});

describe('fusedAdam on the threaded wasm build (its heap is shared memory)', () => {
  it('trains bit for bit as tf.train.adam, on the heap', async () => {
    await disposeBackend();
    expect((await initBackend({ backends: 'wasm', threads: 2 })).threads).toBe(2);
    await expectTrainsAsTfjsAdam();
    const [, fused] = twinVariables();
    const optimizer = fusedAdam(0.01);
    const gradients = gradientsAt(0);
    const profile = await tf.profile(() => optimizer.applyGradients(named(fused, gradients)));
    expect(profile.kernels.some(({ name }) => name === 'Sqrt')).toBe(false);
    tf.dispose([...fused, ...gradients.filter((gradient): gradient is tf.Tensor => gradient !== null)]);
    optimizer.dispose();
    await disposeBackend();
  });
});
