import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seededValues } from '@holomind/testing';
import { describeFisherChecks } from '../../test/fisher-suite.js';
import { recordPrograms } from '../../test/record-programs.js';
import { startBackend } from '../../test/start-backend.js';
import { SOFTWARE_ADAPTER } from '../backends/webgpu.js';
import { disposeBackend } from '../init-backend.js';
import { forceTileStaging, tileStagingFor } from '../webgpu/staging.js';
import { webgpuBackend } from '../webgpu/webgpu-program.js';
import { fisherDiagonal } from './fisher-diagonal.js';

const skipped = await startBackend('webgpu');
afterAll(disposeBackend);
afterEach(() => forceTileStaging(undefined));

describe.skipIf(skipped !== undefined)('fused WebGPU fisherDiagonal', () => {
  it('stages tiles in registers on a software adapter, in workgroup memory otherwise', () => {
    const { vendor, architecture } = webgpuBackend().adapterInfo ?? {};
    const software = SOFTWARE_ADAPTER.test(`${vendor} ${architecture}`);
    expect(tileStagingFor(webgpuBackend())).toBe(software ? 'registers' : 'workgroup');
  });

  for (const staging of ['registers', 'workgroup'] as const) {
    describe(`with tiles staged in ${staging}`, () => {
      beforeEach(() => forceTileStaging(staging));

      it("runs the fused kernel for 'auto' and writes no squared copy of X or G", async () => {
        const inputs = tf.tensor2d(seededValues(9 * 20, 1), [9, 20]);
        const gradients = tf.tensor2d(seededValues(9 * 12, 2), [9, 12]);
        const runs = await recordPrograms(async () => {
          const { kernel, bias } = fisherDiagonal(inputs, gradients);
          await kernel.data();
          tf.dispose([kernel, bias]);
        });
        expect(runs.map((run) => run.shaderKey).join(' ')).toContain(`holomindFisher_${staging}`);
        expect(runs.some((run) => run.outputShape.join() === '9,20')).toBe(false);
        tf.dispose([inputs, gradients]);
      });

      describeFisherChecks(`webgpu, ${staging}`, 'fused');
    });
  }
});
