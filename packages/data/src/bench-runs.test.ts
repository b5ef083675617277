import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBenchScript } from '@holomind/testing';
import { DEBIAN_FASHION_MNIST_DIRECTORY } from './index.js';

// `pnpm bench` is the only other thing that runs these benches: at their smallest sizes they check
// that each still runs through and prints its verdict lines (either verdict), never a time.
const packageFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fashionMnist = process.env.HOLOMIND_FASHION_MNIST_DIR ?? DEBIAN_FASHION_MNIST_DIRECTORY;

describe('the data benches at their smallest sizes', () => {
  it('CSV load (2 MB): prints memory use and an equal checksum', { timeout: 300_000 }, async () => {
    const run = await runBenchScript(packageFolder, 'bench/csv-load.ts', { HOLOMIND_CSV_BENCH_MB: '2' });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/peak RSS [\d.]+ GiB \(target < 1\.5 GB: (NOT )?met\)/);
    expect(run.stdout).toContain('checksum of every feature and label: equal to the written one');
  });

  it('IDX parse (one run): prints the ratio to gunzip alone', { timeout: 300_000 }, async (context) => {
    if (!existsSync(fashionMnist)) {
      console.log(`skipped: no Fashion-MNIST at ${fashionMnist} (apt install dataset-fashion-mnist, as .ci/run does)`);
      return context.skip();
    }
    const run = await runBenchScript(packageFolder, 'bench/idx-parse.ts', { HOLOMIND_BENCH_RUNS: '1' });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/ratio of medians, load\+parse \/ fastest gunzip alone = [\d.]+x \(target <= 1\.5x\): (NOT )?MET/);
  });
});
