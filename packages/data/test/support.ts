// Test helpers shared by @holomind/data's test files (not part of the package: only src/ is built).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { DEBIAN_FASHION_MNIST_DIRECTORY, DataError } from '../src/index.js';

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

/** A fresh temporary folder for one test file, removed after its tests. */
export function scratchFolder(name: string): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), `holomind-${name}-`));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

function onlyDataError(error: unknown): DataError {
  if (DataError.isInstance(error)) return error;
  throw error;
}

/** The DataError that `work` throws; anything else, or nothing, fails the test. */
export function caughtSync(work: () => unknown): DataError {
  try {
    work();
  } catch (error) {
    return onlyDataError(error);
  }
  throw new Error('expected a DataError, nothing was thrown');
}

/** The DataError that `work` throws or rejects with; anything else, or nothing, fails the test. */
export async function caught(work: () => unknown): Promise<DataError> {
  try {
    await work();
  } catch (error) {
    return onlyDataError(error);
  }
  throw new Error('expected a DataError, nothing was thrown');
}

type TypedArrayName = 'Uint8Array' | 'Int32Array' | 'Float32Array' | 'Float64Array' | 'Int16Array' | 'Int8Array';
const TRACKED: TypedArrayName[] = ['Uint8Array', 'Int32Array', 'Float32Array', 'Float64Array', 'Int16Array', 'Int8Array'];

/**
 * Runs `work` with the global typed-array constructors replaced by subclasses that record the
 * largest `new X(length)` in bytes, so a test can assert a reader never reserved more than a bound.
 * Node's own buffers (fs, zlib) are made from internal constructors and are not counted.
 */
export async function largestTypedArrayAllocation<T>(
  work: () => Promise<T>,
): Promise<{ largestBytes: number; result: T | undefined; error: unknown }> {
  const originals = new Map(TRACKED.map((name) => [name, globalThis[name]] as const));
  let largestBytes = 0;
  for (const [name, Original] of originals) {
    const Tracked = class extends (Original as unknown as new (...args: unknown[]) => ArrayBufferView) {
      constructor(...args: unknown[]) {
        if (typeof args[0] === 'number') {
          largestBytes = Math.max(
            largestBytes,
            args[0] * (Original as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT,
          );
        }
        super(...args);
      }
    };
    Object.defineProperty(globalThis, name, { value: Tracked, configurable: true, writable: true });
  }
  let result: T | undefined;
  let error: unknown;
  try {
    result = await work();
  } catch (thrown) {
    error = thrown;
  } finally {
    for (const [name, Original] of originals)
      Object.defineProperty(globalThis, name, { value: Original, configurable: true, writable: true });
  }
  return { largestBytes, result, error };
}
