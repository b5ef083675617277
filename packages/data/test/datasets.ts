import { existsSync } from 'node:fs';
import { DEBIAN_FASHION_MNIST_DIRECTORY } from '../src/index.js';

/** Folder of the real Fashion-MNIST IDX files: HOLOMIND_FASHION_MNIST_DIR or Debian's package folder. */
export const fashionMnistDirectory = process.env.HOLOMIND_FASHION_MNIST_DIR ?? DEBIAN_FASHION_MNIST_DIRECTORY;

/**
 * Whether the real Fashion-MNIST files are here. Under CI (CI=true, set by .ci/run, which installs
 * them) their absence fails the run; elsewhere the tests that need them skip with this reason.
 */
export function fashionMnistMissing(): string | undefined {
  if (existsSync(`${fashionMnistDirectory}/train-images-idx3-ubyte.gz`)) return undefined;
  const reason = `Fashion-MNIST not found in ${fashionMnistDirectory}: apt-get install -y dataset-fashion-mnist, or set HOLOMIND_FASHION_MNIST_DIR`;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(reason);
  console.warn(`SKIPPED: ${reason}`);
  return reason;
}

/** Bytes of a typed array, for exact equality checks (`Buffer.equals`). */
export function bytesOf(values: ArrayBufferView): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}
