import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBenchScript } from '@holomind/testing';

// `pnpm bench` prints issue #16's MLP epoch beside model.fit's, and no other test runs that bench:
// one timed epoch per route (HOLOMIND_BENCH_EPOCHS=1) checks that every row still prints, and the
// forward bench (~6 s whole) likewise; never a time.
const packageFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the network benches at their smallest sizes', () => {
  it('prints a row for each route and the fused route against the composite one', { timeout: 300_000 }, async () => {
    const run = await runBenchScript(packageFolder, 'bench/training-epoch.ts', { HOLOMIND_BENCH_EPOCHS: '1' });
    expect(run.exitCode, run.stderr).toBe(0);
    for (const row of ['ProgressiveNetwork.train (fused)', 'ProgressiveNetwork.train (composite)', 'tf.sequential().fit'])
      expect(run.stdout).toContain(row);
    expect(run.stdout).toMatch(/fused route: [\d.]+x faster than the composite route/);
  });

  it(
    'forward with memory columns: prints both memory sizes against the network without a memory',
    { timeout: 300_000 },
    async () => {
      const run = await runBenchScript(packageFolder, 'bench/forward-columns.ts');
      expect(run.exitCode, run.stderr).toBe(0);
      for (const slots of ['1000', '10000']) expect(run.stdout).toMatch(new RegExp(`\\| ${slots} \\| [\\d.]+ \\| [\\d.]+ \\|`));
    },
  );
});
