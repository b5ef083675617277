// The memoryAttention checks every backend runs: against float64 loops and float64 central
// differences, plus leaks and edge cases. Each backend's test file calls these with the
// implementation it exercises (fused on webgpu, composite elsewhere).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maxAbsoluteDifference, seededValues, tensorsLeakedBy } from '@holomind/testing';
import { memoryAttention } from '../src/attention/memory-attention.js';
import type { KernelImplementation, MemoryAttentionOptions, Similarity } from '../src/attention/memory-attention-options.js';
import type { AttentionSizes } from '../src/attention/validate-attention.js';
import { finiteDifferenceAttentionGradients, float64Attention } from './references.js';

/**
 * The grid, B ∈ {1, 7, 64}, M ∈ {1, 100, 1000, 5000}, d ∈ {16, 64}, covered case by
 * case rather than as a full product; none of B, M is a multiple of the 32-wide tiles except
 * B = 64, and one case has widths that are not multiples of 4 (scalar loads on WebGPU).
 */
export const FORWARD_CASES: AttentionSizes[] = [
  { batch: 1, heads: 1, keyDim: 16, valueDim: 16, slots: 1 },
  { batch: 7, heads: 3, keyDim: 16, valueDim: 24, slots: 100 },
  { batch: 64, heads: 2, keyDim: 64, valueDim: 64, slots: 1000 },
  { batch: 7, heads: 2, keyDim: 64, valueDim: 64, slots: 5000 },
  { batch: 64, heads: 1, keyDim: 16, valueDim: 16, slots: 5000 },
  { batch: 1, heads: 2, keyDim: 64, valueDim: 64, slots: 100 },
  { batch: 7, heads: 2, keyDim: 6, valueDim: 5, slots: 100 },
];

/** Small enough for central differences over every input entry. */
export const GRADIENT_CASES: AttentionSizes[] = [
  { batch: 3, heads: 2, keyDim: 6, valueDim: 5, slots: 7 },
  { batch: 5, heads: 2, keyDim: 16, valueDim: 24, slots: 37 },
];

export const SIMILARITIES: Similarity[] = ['dot', 'cosine'];
const BETA = 4;

/** Seeded inputs; the mask keeps slot 0 and about 65% of the others. */
export function attentionData(sizes: AttentionSizes, seed: number) {
  const { batch, heads, keyDim, valueDim, slots } = sizes;
  return {
    query: seededValues(batch * heads * keyDim, seed),
    keys: seededValues(slots * heads * keyDim, seed + 1),
    values: seededValues(slots * heads * valueDim, seed + 2),
    mask: Float32Array.from(seededValues(slots, seed + 3), (v, m) => (m === 0 || v > -0.3 ? 1 : 0)),
  };
}

/** The data as tensors; dispose them with `tf.dispose(Object.values(result))`. */
export function attentionTensors(sizes: AttentionSizes, data: ReturnType<typeof attentionData>) {
  const { batch, heads, keyDim, valueDim, slots } = sizes;
  return {
    query: tf.tensor3d(data.query, [batch, heads, keyDim]),
    keys: tf.tensor3d(data.keys, [slots, heads, keyDim]),
    values: tf.tensor3d(data.values, [slots, heads, valueDim]),
    mask: tf.tensor1d(data.mask),
  };
}

const label = (sizes: AttentionSizes) =>
  `B=${sizes.batch} H=${sizes.heads} d=${sizes.keyDim} dv=${sizes.valueDim} M=${sizes.slots}`;

/** Gradients of Σ outputWeights∘O (+ Σ weightWeights∘W) with respect to query, keys, values. */
export function attentionGradients(
  tensors: ReturnType<typeof attentionTensors>,
  options: MemoryAttentionOptions,
  outputWeights: tf.Tensor,
  weightWeights?: tf.Tensor,
): tf.Tensor[] {
  return tf.grads((query: tf.Tensor, keys: tf.Tensor, values: tf.Tensor) => {
    const result = memoryAttention(query as tf.Tensor3D, keys as tf.Tensor3D, values as tf.Tensor3D, {
      ...options,
      returnWeights: weightWeights !== undefined,
    });
    const loss = tf.sum(tf.mul(result.output, outputWeights));
    return (weightWeights ? tf.add(loss, tf.sum(tf.mul(result.weights!, weightWeights))) : loss) as tf.Scalar;
  })([tensors.query, tensors.keys, tensors.values]);
}

/** Forward, gradient, leak and edge-case checks of memoryAttention with one implementation. */
export function describeAttentionChecks(backendLabel: string, implementation: KernelImplementation): void {
  describe(`memoryAttention (${backendLabel}, ${implementation}) against a float64 loop`, () => {
    for (const sizes of FORWARD_CASES) {
      for (const similarity of SIMILARITIES) {
        for (const masked of [false, true]) {
          it(`${label(sizes)} ${similarity}${masked ? ' masked' : ''}`, async () => {
            const data = attentionData(sizes, sizes.slots + sizes.keyDim + sizes.batch);
            const expected = float64Attention(data.query, data.keys, data.values, sizes, {
              similarity,
              beta: BETA,
              mask: masked ? data.mask : undefined,
            });
            const inputs = attentionTensors(sizes, data);
            const { output, weights } = memoryAttention(inputs.query, inputs.keys, inputs.values, {
              similarity,
              beta: BETA,
              mask: masked ? inputs.mask : undefined,
              returnWeights: true,
              implementation,
            });
            expect(output.shape).toEqual([sizes.batch, sizes.heads, sizes.valueDim]);
            expect(weights!.shape).toEqual([sizes.batch, sizes.heads, sizes.slots]);
            // float32 scores, exponentials and sums of <= 5000 terms in [-1, 1]: errors near 1e-6.
            expect(maxAbsoluteDifference(await output.data(), expected.output)).toBeLessThan(2e-5);
            expect(maxAbsoluteDifference(await weights!.data(), expected.weights)).toBeLessThan(2e-6);
            tf.dispose([...Object.values(inputs), output, weights]);
          });
        }
      }
    }
  });

  describe(`memoryAttention (${backendLabel}, ${implementation}) gradients against float64 central differences`, () => {
    for (const sizes of GRADIENT_CASES) {
      for (const similarity of SIMILARITIES) {
        for (const throughWeights of [false, true]) {
          it(`${label(sizes)} ${similarity} masked${throughWeights ? ', loss on output and weights' : ''}`, async () => {
            const data = attentionData(sizes, 100 + sizes.slots);
            const outputWeights = seededValues(sizes.batch * sizes.heads * sizes.valueDim, 7);
            const weightWeights = throughWeights ? seededValues(sizes.batch * sizes.heads * sizes.slots, 8) : undefined;
            const options = { similarity, beta: BETA, mask: data.mask };
            const expected = finiteDifferenceAttentionGradients(
              data.query,
              data.keys,
              data.values,
              sizes,
              options,
              outputWeights,
              weightWeights,
            );
            const inputs = attentionTensors(sizes, data);
            const outputWeightsTensor = tf.tensor3d(outputWeights, [sizes.batch, sizes.heads, sizes.valueDim]);
            const weightWeightsTensor = weightWeights && tf.tensor3d(weightWeights, [sizes.batch, sizes.heads, sizes.slots]);
            const gradients = attentionGradients(
              inputs,
              { similarity, beta: BETA, mask: inputs.mask, implementation },
              outputWeightsTensor,
              weightWeightsTensor,
            );
            // float32 gradients of O(1) against float64 differences: a few 1e-6 of rounding.
            expect(maxAbsoluteDifference(await gradients[0]!.data(), expected.query)).toBeLessThan(5e-5);
            expect(maxAbsoluteDifference(await gradients[1]!.data(), expected.keys)).toBeLessThan(5e-5);
            expect(maxAbsoluteDifference(await gradients[2]!.data(), expected.values)).toBeLessThan(5e-5);
            tf.dispose([...Object.values(inputs), outputWeightsTensor, weightWeightsTensor, ...gradients]);
          });
        }
      }
    }
  });

  describe(`memoryAttention (${backendLabel}, ${implementation}) edge cases`, () => {
    it('reads zeros, and has zero gradients, when every slot is empty', async () => {
      const query = tf.tensor3d(seededValues(2 * 3 * 8, 1), [2, 3, 8]);
      const keys = tf.tensor3d(seededValues(5 * 3 * 8, 2), [5, 3, 8]);
      const mask = tf.zeros([5]) as tf.Tensor1D;
      const { output, weights } = memoryAttention(query, keys, keys, { mask, returnWeights: true, implementation });
      expect(Array.from(await output.data())).toEqual(new Array(2 * 3 * 8).fill(0));
      expect(Array.from(await weights!.data())).toEqual(new Array(2 * 3 * 5).fill(0));
      const [dQuery] = tf.grads((q: tf.Tensor) =>
        tf.sum(memoryAttention(q as tf.Tensor3D, keys, keys, { mask, implementation }).output),
      )([query]);
      expect(Array.from(await dQuery!.data())).toEqual(new Array(2 * 3 * 8).fill(0));
      tf.dispose([query, keys, mask, output, weights, dQuery]);
    });

    it('only materialises weights when asked', async () => {
      const query = tf.ones([1, 1, 4]) as tf.Tensor3D;
      const result = memoryAttention(query, query, query, { implementation });
      expect(result.weights).toBeUndefined();
      expect(Array.from(await result.output.data())).toEqual([1, 1, 1, 1]);
      tf.dispose([query, result.output]);
    });

    it('leaks no tensor: forward, weights, and the gradients of both', async () => {
      const sizes = FORWARD_CASES[1]!;
      const inputs = attentionTensors(sizes, attentionData(sizes, 9));
      const outputWeights = tf.ones([sizes.batch, sizes.heads, sizes.valueDim]);
      const weightWeights = tf.ones([sizes.batch, sizes.heads, sizes.slots]);
      for (const similarity of SIMILARITIES) {
        const options = { similarity, mask: inputs.mask, implementation };
        const leaked = await tensorsLeakedBy(async () => {
          const { output, weights } = memoryAttention(inputs.query, inputs.keys, inputs.values, {
            ...options,
            returnWeights: true,
          });
          await output.data();
          tf.dispose([output, weights]);
          tf.dispose(attentionGradients(inputs, options, outputWeights));
          tf.dispose(attentionGradients(inputs, options, outputWeights, weightWeights));
        });
        expect(leaked).toBe(0);
      }
      tf.dispose([...Object.values(inputs), outputWeights, weightWeights]);
    });
  });
}
