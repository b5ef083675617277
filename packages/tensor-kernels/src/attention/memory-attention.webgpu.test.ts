import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { maxAbsoluteDifference, seededValues } from '@holomind/testing';
import {
  attentionData,
  attentionGradients,
  attentionTensors,
  describeAttentionChecks,
  SIMILARITIES,
} from '../../test/attention-suite.js';
import { recordPrograms } from '../../test/record-programs.js';
import { startBackend } from '../../test/start-backend.js';
import { disposeBackend } from '../init-backend.js';
import { forceTileStaging, type TileStaging } from '../webgpu/staging.js';
import { memoryAttention } from './memory-attention.js';
import type { AttentionSizes } from './validate-attention.js';

const skipped = await startBackend('webgpu');
afterAll(disposeBackend);
afterEach(() => forceTileStaging(undefined));

// The kernels have two forms (see TileStaging): FlashAttention-2 tiles in workgroup memory for
// GPUs, barrier-free passes over chunks of slots for CPU adapters. Both run here on any adapter.
const STAGINGS: TileStaging[] = ['registers', 'workgroup'];
const SHADERS: Record<TileStaging, RegExp[]> = {
  registers: [/holomindAttentionChunkSoftmax/, /holomindAttentionChunkScores.*holomindAttentionChunkProduct/],
  workgroup: [/holomindAttentionForward/, /holomindAttentionBackward/],
};

for (const staging of STAGINGS)
  describe.skipIf(skipped !== undefined)(`fused WebGPU memoryAttention, ${staging} staging`, () => {
    beforeEach(() => forceTileStaging(staging));
    describeAttentionChecks(`webgpu, ${staging}`, 'fused');

    const compared: AttentionSizes[] = [
      { batch: 64, heads: 2, keyDim: 64, valueDim: 64, slots: 1000 },
      { batch: 7, heads: 3, keyDim: 16, valueDim: 24, slots: 100 },
    ];
    for (const sizes of compared) {
      for (const similarity of SIMILARITIES) {
        it(`gradients equal the composite path on the same backend: B=${sizes.batch} d=${sizes.keyDim} M=${sizes.slots} ${similarity} masked`, async () => {
          const inputs = attentionTensors(sizes, attentionData(sizes, 21));
          const outputWeights = tf.tensor3d(seededValues(sizes.batch * sizes.heads * sizes.valueDim, 22), [
            sizes.batch,
            sizes.heads,
            sizes.valueDim,
          ]);
          const options = { similarity, beta: 4, mask: inputs.mask };
          const fused = attentionGradients(inputs, { ...options, implementation: 'fused' }, outputWeights);
          const composite = attentionGradients(inputs, { ...options, implementation: 'composite' }, outputWeights);
          for (let i = 0; i < 3; i++) {
            const expected = await composite[i]!.data();
            const scale = Array.from(expected).reduce((largest, value) => Math.max(largest, Math.abs(value)), 0);
            expect(maxAbsoluteDifference(await fused[i]!.data(), expected)).toBeLessThan(1e-5 * Math.max(1, scale));
          }
          tf.dispose([...Object.values(inputs), outputWeights, ...fused, ...composite]);
        });
      }
    }

    it("runs the fused kernels for 'auto', and neither direction writes a [B, H, M] tensor (composite does)", async () => {
      const sizes = { batch: 7, heads: 3, keyDim: 16, valueDim: 24, slots: 100 };
      const scores = sizes.batch * sizes.heads * sizes.slots;
      const inputs = attentionTensors(sizes, attentionData(sizes, 31));
      const outputWeights = tf.ones([sizes.batch, sizes.heads, sizes.valueDim]);
      const forwardAndBackward = (implementation: 'auto' | 'composite') => async () => {
        const options = { similarity: 'cosine' as const, mask: inputs.mask, implementation };
        const { output } = memoryAttention(inputs.query, inputs.keys, inputs.values, options);
        await output.data();
        output.dispose();
        const gradients = attentionGradients(inputs, options, outputWeights);
        await Promise.all(gradients.map((gradient) => gradient.data()));
        tf.dispose(gradients);
      };
      const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
      const fused = await recordPrograms(forwardAndBackward('auto'));
      const keys = fused.map((run) => run.shaderKey).join(' ');
      for (const shader of SHADERS[staging]) expect(keys).toMatch(shader);
      expect(fused.filter((run) => size(run.outputShape) === scores)).toEqual([]);
      const composite = await recordPrograms(forwardAndBackward('composite'));
      expect(composite.filter((run) => size(run.outputShape) === scores).length).toBeGreaterThan(0);
      tf.dispose([...Object.values(inputs), outputWeights]);
    });
  });
