import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBenchScript } from '@holomind/testing';

// `pnpm bench` is the only other thing that runs these benches. The step bench is how issue #16's
// "adds at most 15% to a step" rows are measured: one epoch of the plain, EWC and memory-read rows
// (the read's floor included) checks that they still run and print; the monitoring-overhead bench
// at its quick size likewise; never a time.
const packageFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the examples benches at their smallest sizes', () => {
  it(
    'prints the plain, EWC and memory-read rows, what the read adds and a verdict for each part',
    { timeout: 300_000 },
    async () => {
      const run = await runBenchScript(packageFolder, 'bench/training-step.ts', {
        HOLOMIND_BENCH_EPOCHS: '1',
        HOLOMIND_BENCH_ONLY: '^\\+ (EWC|memory read$)',
      });
      expect(run.exitCode, run.stderr).toBe(0);
      for (const row of ['plain step (no strategy)', '+ EWC penalty (extractor)', '+ memory read '])
        expect(run.stdout).toContain(row);
      expect(run.stdout).toMatch(
        /\+ memory read \(memory 256 × 16\): adds -?[\d.]+ ms a step .*its matrix products alone, timed apart: [\d.]+ ms/,
      );
      // Either verdict: one epoch on a loaded machine says nothing about the line, only that it is printed.
      for (const part of ['+ EWC penalty (extractor)', '+ memory read'])
        expect(run.stdout).toMatch(new RegExp(`${part.replace(/[+()]/g, '\\$&')}: [\\d.]+x, (NOT )?within 15%`));
    },
  );

  it(
    'monitoring overhead (BENCH_QUICK: two tasks, one pair): prints the ratios and the time by part',
    { timeout: 300_000 },
    async () => {
      const run = await runBenchScript(packageFolder, 'bench/monitoring-overhead.mjs', { BENCH_QUICK: '1' });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/training wall time: [\d.]+ \(-?[\d.]+%\) +A\/A [\d.]+/);
      expect(run.stdout).toMatch(
        /time inside the monitoring \(hooks, opening, closing\) \/ training wall time, same run \(median\): [\d.]+%/,
      );
    },
  );
});
