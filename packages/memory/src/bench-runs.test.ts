import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBenchScript } from '@holomind/testing';

// `pnpm bench` is the only other thing that runs this bench (~5 s whole): it checks that it still
// runs through and prints its table and ratios, never a time.
const packageFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the memory read bench', () => {
  it('prints reads and writes at 1,000 and 10,000 slots and their ratios', { timeout: 300_000 }, async () => {
    const run = await runBenchScript(packageFolder, 'bench/memory-read.ts');
    expect(run.exitCode, run.stderr).toBe(0);
    for (const slots of ['1000', '10000'])
      expect(run.stdout).toMatch(new RegExp(`\\| ${slots} \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\|`));
    expect(run.stdout).toMatch(/ratio 10k\/1k: read [\d.]+×, untracked read [\d.]+×, write [\d.]+×/);
  });
});
