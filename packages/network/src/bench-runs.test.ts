import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBenchScript } from '@holomind/testing';

// `pnpm bench` prints issue #16's MLP epoch beside model.fit's, and no other test runs that bench:
// one timed epoch per route (HOLOMIND_BENCH_EPOCHS=1) checks that every row still prints, never a time.
const packageFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the training-epoch bench, one epoch a route', () => {
  it('prints a row for each route and the fused route against the composite one', { timeout: 300_000 }, async () => {
    const run = await runBenchScript(packageFolder, 'bench/training-epoch.ts', { HOLOMIND_BENCH_EPOCHS: '1' });
    expect(run.exitCode, run.stderr).toBe(0);
    for (const row of ['ProgressiveNetwork.train (fused)', 'ProgressiveNetwork.train (composite)', 'tf.sequential().fit'])
      expect(run.stdout).toContain(row);
    expect(run.stdout).toMatch(/fused route: [\d.]+x faster than the composite route/);
  });
});
