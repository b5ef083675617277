import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBenchScript } from '@holomind/testing';

// `pnpm bench` makes the README's monitoring numbers, and no other test runs it: a section that
// wrote into a database without the metric tables stopped it unnoticed. BENCH_QUICK=1 runs every
// section at small sizes; the test checks that each runs through to its verdict, never a time.
const packageFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the monitoring bench, BENCH_QUICK=1', () => {
  it('runs every section through to its verdict', { timeout: 300_000 }, async () => {
    const run = await runBenchScript(packageFolder, 'bench/monitoring.ts', { BENCH_QUICK: '1' });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/target ≥ 100,000 points\/s batched: (NOT )?met/);
    expect(run.stdout).toMatch(/target < 2 %: CPU A\/B (NOT )?met/);
  });
});
