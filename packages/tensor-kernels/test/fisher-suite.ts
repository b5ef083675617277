// fisherDiagonal checks every backend runs against the float64 per-sample loop.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maxRelativeDifference, seededValues, tensorsLeakedBy } from '@holomind/testing';
import type { KernelImplementation } from '../src/attention/memory-attention-options.js';
import { fisherDiagonal } from '../src/fisher/fisher-diagonal.js';
import { float64DenseFisher } from './references.js';

/** [N, in, out]: odd sizes (no multiple of 4 or of the 64-wide tiles), a vec4 case, an MLP layer. */
export const FISHER_CASES: Array<[number, number, number]> = [
  [37, 29, 13],
  [100, 68, 132],
  [256, 784, 400],
];

/** Checks fisherDiagonal with one implementation against the float64 loop, and for leaks. */
export function describeFisherChecks(backendLabel: string, implementation: KernelImplementation): void {
  describe(`fisherDiagonal (${backendLabel}, ${implementation}) against the float64 per-sample loop`, () => {
    for (const [samples, inUnits, outUnits] of FISHER_CASES) {
      it(`N=${samples} in=${inUnits} out=${outUnits}`, async () => {
        const x = seededValues(samples * inUnits, samples + 5);
        const g = seededValues(samples * outUnits, samples + 6);
        const expected = float64DenseFisher(x, g, samples, inUnits, outUnits);
        const inputs = tf.tensor2d(x, [samples, inUnits]);
        const gradients = tf.tensor2d(g, [samples, outUnits]);
        const leaked = await tensorsLeakedBy(async () => {
          const { kernel, bias } = fisherDiagonal(inputs, gradients, { implementation });
          expect(kernel.shape).toEqual([inUnits, outUnits]);
          expect(bias.shape).toEqual([outUnits]);
          // Sums of N positive float32 terms: relative error ~ N * 6e-8 at worst.
          expect(maxRelativeDifference(await kernel.data(), expected.kernel, 1e-6)).toBeLessThan(2e-5);
          expect(maxRelativeDifference(await bias.data(), expected.bias, 1e-6)).toBeLessThan(2e-5);
          tf.dispose([kernel, bias]);
        });
        expect(leaked).toBe(0);
        tf.dispose([inputs, gradients]);
      });
    }
  });
}
