import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { maxRelativeDifference, seededValues, tensorsLeakedBy } from '@holomind/testing';
import { quadraticPenalty, type PenaltyPair } from './penalty-terms.js';

afterAll(disposeBackend);

const SHAPES = [[30, 20], [20], [7, 3]];
const LAMBDA = 13;
const CONSTANT = 0.75;

interface Case {
  theta: Float32Array[];
  importance: Float32Array[];
  center: Float32Array[];
}

function seededCase(): Case {
  const positive = (values: Float32Array) => values.map((value) => Math.abs(value));
  return {
    theta: SHAPES.map((shape, i) =>
      seededValues(
        shape.reduce((a, b) => a * b, 1),
        10 + i,
      ),
    ),
    importance: SHAPES.map((shape, i) =>
      positive(
        seededValues(
          shape.reduce((a, b) => a * b, 1),
          20 + i,
        ),
      ),
    ),
    center: SHAPES.map((shape, i) =>
      seededValues(
        shape.reduce((a, b) => a * b, 1),
        30 + i,
      ),
    ),
  };
}

// The independent reference: value and gradient in float64 from the same float32 inputs.
function float64Reference({ theta, importance, center }: Case): { value: number; gradients: Float64Array[] } {
  let total = CONSTANT;
  const gradients = theta.map((values, p) =>
    Float64Array.from(values, (value, i) => {
      const difference = value - center[p]![i]!;
      total += importance[p]![i]! * difference * difference;
      return LAMBDA * importance[p]![i]! * difference;
    }),
  );
  return { value: (LAMBDA / 2) * total, gradients };
}

// What the penalty was before the custom gradient: tfjs's autodiff through sub/square/mul/sum.
function compositePenalty(pairs: readonly PenaltyPair[]): tf.Scalar {
  const quadratics = pairs.map(({ variable, importance, center }) =>
    tf.sum(tf.mul(importance, tf.square(tf.sub(variable, center)))),
  );
  return tf.mul(tf.add(tf.addN(quadratics), CONSTANT), LAMBDA / 2) as tf.Scalar;
}

async function valueAndGradients(
  penalty: (pairs: PenaltyPair[]) => tf.Scalar,
  data: Case,
): Promise<{ value: number; gradients: Float32Array[] }> {
  const variables = data.theta.map((values, i) => tf.tidy(() => tf.variable(tf.tensor(values, SHAPES[i]))));
  const constants = SHAPES.map((shape, i) => ({
    importance: tf.tensor(data.importance[i]!, shape),
    center: tf.tensor(data.center[i]!, shape),
  }));
  try {
    const { value, grads } = tf.variableGrads(
      () => penalty(variables.map((variable, i) => ({ variable, ...constants[i]! }))),
      variables,
    );
    const result = {
      value: (await value.data())[0]!,
      gradients: await Promise.all(variables.map(async (variable) => (await grads[variable.name]!.data()) as Float32Array)),
    };
    tf.dispose([value, ...Object.values(grads)]);
    return result;
  } finally {
    tf.dispose([...variables, ...constants.flatMap(({ importance, center }) => [importance, center])]);
  }
}

describe('quadraticPenalty', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`value and closed-form gradient equal the float64 loop and tfjs's autodiff within 1e-5 on ${backend}`, async () => {
      await initBackend({ backends: backend });
      const data = seededCase();
      const reference = float64Reference(data);
      const fast = await valueAndGradients((pairs) => quadraticPenalty(pairs, CONSTANT, LAMBDA), data);
      const composite = await valueAndGradients(compositePenalty, data);
      expect(Math.abs(fast.value - reference.value) / reference.value).toBeLessThan(1e-5);
      expect(Math.abs(fast.value - composite.value) / composite.value).toBeLessThan(1e-5);
      fast.gradients.forEach((gradient, p) => {
        expect(maxRelativeDifference(gradient, reference.gradients[p]!, 1e-3)).toBeLessThan(1e-5);
        expect(maxRelativeDifference(gradient, composite.gradients[p]!, 1e-3)).toBeLessThan(1e-5);
      });
    });
  }

  it('leaks no tensor over repeated value-and-gradient steps, and takes no variable as λ/2·K', async () => {
    await initBackend({ backends: 'wasm' });
    const data = seededCase();
    await valueAndGradients((pairs) => quadraticPenalty(pairs, CONSTANT, LAMBDA), data); // warm-up
    const leaked = await tensorsLeakedBy(async () => {
      for (let step = 0; step < 5; step++) await valueAndGradients((pairs) => quadraticPenalty(pairs, CONSTANT, LAMBDA), data);
    });
    expect(leaked).toBe(0);
    const empty = quadraticPenalty([], CONSTANT, LAMBDA);
    expect(empty.dataSync()[0]).toBeCloseTo((LAMBDA / 2) * CONSTANT, 6);
    empty.dispose();
  });
});
