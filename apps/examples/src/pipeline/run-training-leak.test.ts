import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeBackend } from '@holomind/tensor-kernels';
import { parseConfig } from '../config/load-config.js';
import { silentReporter } from './reporter.js';
import { runTraining } from './run-training.js';

const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-run-leak-'));

afterAll(() => disposeBackend());

describe('a whole run releases every tensor', () => {
  // The external memory is built by the pipeline and handed to the network; a run that forgot it
  // left its keys, values, usage, hits, mask and read layout (9 tensors) behind after every run.
  it.each([
    ['holomind', 'task-incremental', { memoryRead: true }],
    ['derpp', 'class-incremental', {}],
  ] as const)(
    '%s in %s, twice in one process (holomind parts %o)',
    async (strategy, scenario, holomind) => {
      const counts: number[] = [];
      for (const round of [0, 1]) {
        const output = path.join(workspace, `${strategy}-${round}`);
        const config = parseConfig({
          benchmark: 'split-mnist',
          scenario,
          strategy,
          holomind,
          backend: 'wasm',
          seed: 1,
          output,
          db: `sqlite:${output}/holomind.db`,
          training: { tasks: 2, epochs: 1, trainPerTask: 200, testPerTask: 100 },
          monitoring: { tensorboard: false },
        });
        await runTraining({ config, reporter: silentReporter });
        counts.push(tf.memory().numTensors);
      }
      expect(counts[1]).toBe(counts[0]);
    },
    240_000,
  );
});
