import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../errors.js';
import { parseConfig } from '../config/load-config.js';
import { buildBenchmark } from './benchmark.js';
import { checkDataUnchanged } from './data-versions.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-data-versions-'));
const file = path.join(folder, 'scaled.csv');
// Two features on very different scales, four classes: standardisation matters.
writeFileSync(
  file,
  `x,y,class\n${Array.from({ length: 80 }, (_, i) => `${(i * 37) % 1000},${((i * 7) % 11) / 100},${i % 4}`).join('\n')}\n`,
);

describe('buildBenchmark with a saved preprocessing state', () => {
  it('feeds bit-identical inputs from the saved state, and a different transform is refused as DATA_CHANGED', async () => {
    const config = parseConfig({
      data: { path: file, classesPerTask: 2 },
      preprocessing: { normalization: { method: 'standard' } },
      training: { tasks: 2 },
    });
    const fitted = await buildBenchmark(config);
    expect(fitted.preprocessing?.statistics?.normalization?.center).toHaveLength(2);
    const restored = await buildBenchmark(config, { preprocessing: fitted.preprocessing });
    restored.tasks.forEach((task, t) => {
      for (const split of ['train', 'val', 'test'] as const) {
        expect(Buffer.from(task[split].features.buffer).equals(Buffer.from(fitted.tasks[t]![split].features.buffer))).toBe(true);
      }
    });
    expect(restored.dataVersions.tasks).toEqual(fitted.dataVersions.tasks);
    expect(() => checkDataUnchanged(fitted.dataVersions, restored.dataVersions)).not.toThrow();

    const shifted = structuredClone(fitted.preprocessing!);
    shifted.statistics!.normalization!.center[0]! += 1e-3;
    const other = await buildBenchmark(config, { preprocessing: shifted });
    expect(other.dataVersions.tasks.map((task) => task.version)).toEqual(fitted.dataVersions.tasks.map((task) => task.version));
    let refused: unknown;
    try {
      checkDataUnchanged(fitted.dataVersions, other.dataVersions);
    } catch (error) {
      refused = error;
    }
    expect(CliError.isInstance(refused) && refused.code).toBe('DATA_CHANGED');
    expect((refused as Error).message).toMatch(/Task 1's preprocessed inputs changed since the run started/);
  });
});
