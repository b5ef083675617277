import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegularizerBatch } from '@holomind/network';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { ComposedStrategy } from './compose.js';
import type { StrategyPart, TaskContext } from './continual-strategy.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(() => disposeBackend());

/** A part whose extra loss is `scale` × the sum of squares of `weight`, and which reports fixed class counts. */
function part(name: string, weight: tf.Variable, scale: number, counts?: number[]): StrategyPart {
  return {
    name,
    loss: () => () => tf.mul(scale, tf.sum(tf.square(weight))) as tf.Scalar,
    ...(counts ? { classCounts: () => counts } : {}),
    toState: () => ({ values: {}, arrays: {} }),
    dispose() {},
  };
}

describe('ComposedStrategy: each part on its own for monitoring', () => {
  it("keeps each part's term of the latest micro-batch, adding up to the summed loss, read once and released", async () => {
    const weight = tf.variable(tf.tensor1d([1, 2, 3]), true, 'w');
    const strategy = new ComposedStrategy([part('ewc', weight, 0.5), part('replay', weight, 2, [3, 0, 4])]);
    const before = tf.memory().numTensors;
    const loss = strategy.loss({} as TaskContext)!;
    for (let step = 0; step < 3; step++) {
      const { value, grads } = tf.variableGrads(() => loss({} as RegularizerBatch), [weight]);
      // The gradient is the sum's: (0.5 + 2) × 2w, the kept terms change nothing.
      expect(Array.from(await grads.w!.data())).toEqual([5, 10, 15]);
      expect((await value.data())[0]).toBeCloseTo(2.5 * 14, 5);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(await strategy.takeTerms()).toEqual({ ewc: 7, replay: 28 });
    expect(await strategy.takeTerms()).toEqual({});
    expect(tf.memory().numTensors).toBe(before);
    expect(strategy.classCounts()).toEqual({ replay: [3, 0, 4] });

    tf.tidy(() => void loss({} as RegularizerBatch)); // the terms outlive the tidy...
    expect(tf.memory().numTensors).toBe(before + 2);
    strategy.dispose(); // ...until read or released with the strategy
    expect(tf.memory().numTensors).toBe(before);
    weight.dispose();
  });
});
