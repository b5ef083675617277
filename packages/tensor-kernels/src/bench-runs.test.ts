import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBenchScript } from '@holomind/testing';

// `pnpm bench` is the only other thing that runs these benches: one run each (the kernels on wasm
// alone; the WebGPU tests cover that backend) checks that they still run through and print their
// rows, never a time.
const packageFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the tensor-kernels benches, one run each', () => {
  it('wasm threads: prints both products on one and two threads and their ratios', { timeout: 300_000 }, async () => {
    const run = await runBenchScript(packageFolder, 'bench/wasm-threads.ts', { HOLOMIND_BENCH_RUNS: '1' });
    expect(run.exitCode, run.stderr).toBe(0);
    for (const size of ['512x512', '1024x1024'])
      expect(run.stdout).toMatch(new RegExp(`${size}: threads=2 vs threads=1: wall [\\d.]+x, cpu [\\d.]+x`));
  });

  it('kernels on wasm: prints the attention and Fisher rows', { timeout: 300_000 }, async () => {
    const run = await runBenchScript(packageFolder, 'bench/run.ts', {
      HOLOMIND_BENCH_RUNS: '1',
      HOLOMIND_BENCH_BACKENDS: 'wasm',
    });
    expect(run.exitCode, run.stderr).toBe(0);
    for (const row of ['| attention forward |', '| attention forward+backward |', '| fisherDiagonal |'])
      expect(run.stdout).toContain(row);
  });
});
