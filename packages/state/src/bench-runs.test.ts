import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBenchScript } from '@holomind/testing';

// `pnpm bench` is the only other thing that runs this bench: one repetition a size checks that it
// still runs through and prints its rows and ratio line, never a time.
const packageFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the save/load bench, one repetition', () => {
  it('prints the save and load rows against plain files and the throughput ratio', { timeout: 300_000 }, async () => {
    const run = await runBenchScript(packageFolder, 'bench/save-load.ts', { HOLOMIND_BENCH_REPETITIONS: '1' });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\| 100 tensors of 1 MiB +\| load vs readFile +\|/);
    expect(run.stdout).toContain('throughput ratio = median over repetitions');
  });
});
