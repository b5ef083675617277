import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HoloMindError } from '@holomind/core';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { seededValues, tensorsLeakedBy } from '@holomind/testing';
import { seededData } from '../test/models.js';
import { EwcConsolidator } from './ewc-consolidator.js';
import { EwcError, type EwcErrorCode } from './errors.js';

beforeAll(() => initBackend({ backends: 'cpu' }));
afterAll(disposeBackend);

async function errorOf(work: () => unknown): Promise<EwcError> {
  try {
    await work();
  } catch (error) {
    if (EwcError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an EwcError, nothing was thrown');
}

async function expectEwcError(work: () => unknown, code: EwcErrorCode, message: RegExp): Promise<void> {
  const error = await errorOf(work);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
}

function classifier(hiddenUnits: number): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ units: hiddenUnits, inputShape: [4], activation: 'relu', name: 'hidden' }),
      tfl.layers.dense({ units: 2, activation: 'softmax', name: 'head' }),
    ],
  });
}

describe('EwcConsolidator options', () => {
  it('rejects a negative or non-finite lambda, naming the value', async () => {
    await expectEwcError(
      () => new EwcConsolidator({ lambda: -1 }),
      'INVALID_OPTION',
      /lambda must be a finite number >= 0, got -1/,
    );
    await expectEwcError(() => new EwcConsolidator({ lambda: Number.NaN }), 'INVALID_OPTION', /lambda.*got NaN/);
    expect(new EwcConsolidator({ lambda: 0 }).options.lambda).toBe(0);
  });

  it('rejects gamma outside (0, 1]', async () => {
    for (const gamma of [0, -0.5, 1.01, Number.NaN]) {
      await expectEwcError(
        () => new EwcConsolidator({ lambda: 1, mode: 'online', gamma }),
        'INVALID_OPTION',
        /gamma must lie in \(0, 1\]/,
      );
    }
    expect(new EwcConsolidator({ lambda: 1, mode: 'online', gamma: 1 }).options.gamma).toBe(1);
  });

  it('rejects unknown modes, Fisher kinds, negative minImportance and unknown loss names', async () => {
    await expectEwcError(
      () => new EwcConsolidator({ lambda: 1, mode: 'both' as never }),
      'INVALID_OPTION',
      /mode must be one of 'separate', 'online', got "both"/,
    );
    await expectEwcError(
      () => new EwcConsolidator({ lambda: 1, fisher: 'exact' as never }),
      'INVALID_OPTION',
      /fisher must be one of 'empirical', 'true', 'batched', got "exact"/,
    );
    await expectEwcError(() => new EwcConsolidator({ lambda: 1, minImportance: -1 }), 'INVALID_OPTION', /minImportance/);
    const model = classifier(3);
    await expectEwcError(
      () => new EwcConsolidator({ lambda: 1 }).loss(model, 'hinge' as never),
      'INVALID_OPTION',
      /baseLoss must be one of 'categoricalCrossentropy'.*got "hinge"/,
    );
    model.dispose();
  });
});

describe('EwcConsolidator.consolidate errors', () => {
  it('refuses empty data and mismatched labels, leaking nothing', async () => {
    const model = classifier(3);
    const ewc = new EwcConsolidator({ lambda: 1 });
    const empty = { inputs: tf.zeros([0, 4]), labels: tf.zeros([0], 'int32') };
    const mismatched = { inputs: tf.zeros([5, 4]), labels: tf.zeros([4], 'int32') };
    const wrongShape = { inputs: mismatched.inputs, labels: tf.zeros([5, 3]) };
    const leaked = await tensorsLeakedBy(async () => {
      await expectEwcError(() => ewc.consolidate(model, empty), 'EMPTY_DATA', /data.inputs has no samples \(shape \[0, 4\]\)/);
      await expectEwcError(
        () => ewc.consolidate(model, mismatched),
        'DATA_MISMATCH',
        /labels has 4 samples but data.inputs has 5/,
      );
      await expectEwcError(
        () => ewc.consolidate(model, wrongShape),
        'DATA_MISMATCH',
        /labels have shape \[5, 3\].*outputs are \[5, 2\]/,
      );
    });
    expect(leaked).toBe(0);
    expect(ewc.taskIds).toEqual([]);
    tf.dispose([empty.inputs, empty.labels, mismatched.inputs, mismatched.labels, wrongShape.labels]);
    model.dispose();
  });

  it('names the variable whose Fisher holds NaN', async () => {
    const w = tf.variable(tf.tensor2d(seededValues(4 * 2, 1), [4, 2]), true, 'finite-weights');
    const scale = tf.variable(tf.tensor1d([0.5, -0.5]), true, 'negative-scale');
    // d/ds sqrt(s) = 1 / (2 sqrt(s)) is NaN for s < 0: only 'negative-scale' gets a NaN Fisher.
    const loss = (x: tf.Tensor, y: tf.Tensor) =>
      tf.add(tf.losses.softmaxCrossEntropy(y, tf.matMul(x as tf.Tensor2D, w)), tf.sum(tf.sqrt(scale))) as tf.Scalar;
    const { inputs, labels } = seededData(6, [4], 2, 2);
    const oneHot = tf.oneHot(labels, 2);
    const ewc = new EwcConsolidator({ lambda: 1 });
    await expectEwcError(
      () => ewc.consolidate([w, scale], { inputs, labels: oneHot }, { loss }),
      'NON_FINITE_FISHER',
      /variable 'negative-scale' holds NaN/,
    );
    expect(ewc.taskIds).toEqual([]);
    tf.dispose([w, scale, inputs, labels, oneHot]);
  });

  it('names the layer weight whose Fisher overflows', async () => {
    // Hidden activations ~1e30 are finite, their squares in the head's Fisher are not.
    const model = classifier(3);
    const [hiddenKernel, ...rest] = model.getWeights();
    model.setWeights([tf.fill(hiddenKernel!.shape, 1e30), ...rest]);
    const { inputs, labels } = seededData(6, [4], 2, 3);
    const ewc = new EwcConsolidator({ lambda: 1 });
    await expectEwcError(
      () => ewc.consolidate(model, { inputs: tf.abs(inputs), labels }),
      'NON_FINITE_FISHER',
      /variable 'head\/kernel' holds (NaN|Infinity)/,
    );
    tf.dispose([inputs, labels]);
    model.dispose();
  });

  it('explains what a variables target needs, that the true Fisher needs predict, and refuses a sigmoid model', async () => {
    const w = tf.variable(tf.zeros([4, 2]), true, 'needs-predict');
    const { inputs, labels } = seededData(3, [4], 2, 4);
    await expectEwcError(
      () => new EwcConsolidator({ lambda: 1 }).consolidate([w], { inputs, labels }),
      'INVALID_OPTION',
      /needs 'predict'.*or 'loss'/,
    );
    await expectEwcError(
      () =>
        new EwcConsolidator({ lambda: 1, fisher: 'true' }).consolidate(
          [w],
          { inputs, labels },
          { loss: (x) => tf.sum(tf.matMul(x as tf.Tensor2D, w)) as tf.Scalar },
        ),
      'INVALID_OPTION',
      /'true' Fisher samples labels.*give 'predict'/,
    );
    await expectEwcError(
      () => new EwcConsolidator({ lambda: 1 }).consolidate(42 as never, { inputs, labels }),
      'UNSUPPORTED_TARGET',
      /tfjs-layers model or an array of tf.Variable, got number/,
    );
    const binary = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [4], activation: 'sigmoid' })] });
    await expectEwcError(
      () => new EwcConsolidator({ lambda: 1 }).consolidate(binary, { inputs, labels }),
      'UNSUPPORTED_TARGET',
      /ends in sigmoid/,
    );
    binary.dispose();
    tf.dispose([w, inputs, labels]);
  });
});

describe('EwcConsolidator.penalty errors', () => {
  it('names a variable whose shape changed since consolidate', async () => {
    const original = classifier(3);
    const { inputs, labels } = seededData(8, [4], 2, 5);
    const ewc = new EwcConsolidator({ lambda: 1 });
    await ewc.consolidate(original, { inputs, labels });
    const wider = classifier(5); // same layer names, 5 hidden units instead of 3
    await expectEwcError(
      () => ewc.penalty(wider),
      'SHAPE_CHANGED',
      /Variable 'hidden\/kernel' has shape \[4, 5\] but was consolidated with shape \[4, 3\]/,
    );
    tf.dispose([inputs, labels]);
    ewc.dispose();
    original.dispose();
    wider.dispose();
  });

  it('names a consolidated variable the target lacks', async () => {
    const w = tf.variable(tf.tensor2d(seededValues(8, 6), [4, 2]), true, 'kept-weights');
    const { inputs, labels } = seededData(5, [4], 2, 7);
    const ewc = new EwcConsolidator({ lambda: 1 });
    await ewc.consolidate([w], { inputs, labels }, { predict: (x) => tf.matMul(x as tf.Tensor2D, w) });
    const other = tf.variable(tf.zeros([4, 2]), true, 'other-weights');
    await expectEwcError(
      () => ewc.penalty([other]),
      'VARIABLE_MISSING',
      /Consolidated variable 'kept-weights' is not in the target \(it has other-weights\)/,
    );
    tf.dispose([w, other, inputs, labels]);
    ewc.dispose();
  });
});

describe('EwcConsolidator.fromState errors', () => {
  it('rejects foreign or damaged state, naming the array', async () => {
    await expectEwcError(
      () => EwcConsolidator.fromState({ meta: { format: 'other' }, arrays: {} } as never),
      'INVALID_STATE',
      /expected format 'holomind-ewc'/,
    );
    const w = tf.variable(tf.tensor2d(seededValues(8, 8), [4, 2]), true, 'state-weights');
    const { inputs, labels } = seededData(5, [4], 2, 9);
    const ewc = new EwcConsolidator({ lambda: 1 });
    await ewc.consolidate([w], { inputs, labels }, { predict: (x) => tf.matMul(x as tf.Tensor2D, w) });
    const state = ewc.toState();
    const key = 'consolidations/0/state-weights/fisher';
    await expectEwcError(
      () => EwcConsolidator.fromState({ ...state, arrays: { ...state.arrays, [key]: new Float32Array(3) } }),
      'INVALID_STATE',
      /'consolidations\/0\/state-weights\/fisher' has 3 values, its shape needs 8/,
    );
    await expectEwcError(
      () => EwcConsolidator.fromState({ ...state, arrays: { ...state.arrays, [key]: new Float32Array(8).fill(-1) } }),
      'INVALID_STATE',
      /negative importances/,
    );
    await expectEwcError(
      () => EwcConsolidator.fromState({ ...state, meta: { ...state.meta, options: { ...state.meta.options, gamma: 2 } } }),
      'INVALID_OPTION',
      /gamma/,
    );
    tf.dispose([w, inputs, labels]);
    ewc.dispose();
  });
});

describe('EwcError', () => {
  it('is recognised by isInstance across copies, by its marker, and carries a stable code', () => {
    const error = new EwcError('EMPTY_DATA', 'x');
    expect(EwcError.isInstance(error)).toBe(true);
    expect(HoloMindError.isInstance(error)).toBe(true);
    expect(EwcError.isInstance(new Error('x'))).toBe(false);
    expect(EwcError.isInstance({ [Symbol.for('@holomind/error')]: 'EwcError' })).toBe(true);
    expect(EwcError.isInstance({ [Symbol.for('@holomind/error')]: 'TensorKernelsError' })).toBe(false);
    expect(error.name).toBe('EwcError');
  });
});
