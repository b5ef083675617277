import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMutation, byteMutations, propertyParameters, PropertyOutcomes } from '@holomind/testing';
import { StateError } from './errors.js';
import { loadHdf5, readDatasets, TENSOR_GROUP, type DatasetRequest } from './hdf5-file.js';
import { StateStore } from './state-store.js';
import { hashTensor } from './tensors.js';
import { sqliteHome, type TestStoreHome } from './test-support/databases.js';
import { seededFloat32, seededInt32 } from './test-support/fixtures.js';
import { sameBits } from './test-support/store-behaviour.js';

// Property test of issue #15: a saved version's HDF5 file damaged at random never crashes the
// state reader (readDatasets, then the SHA-256 check `load({ verify: true })` makes), never grows
// the wasm heap beyond a stated bound, prints no HDF5 diagnostics, and ends in a named StateError or
// the exact tensors that were saved. Each case reads its own copy in the same process, so an intact
// file read after damaged ones (as the CLI's --fallback does) is checked too.

const original = {
  kernel: { data: seededFloat32(32 * 16, 3), shape: [32, 16] },
  counts: { data: seededInt32(40, 4), shape: [40] },
};
let home: TestStoreHome;
let pristine: Uint8Array;
let requests: Array<DatasetRequest & { hash: string }>;

beforeAll(async () => {
  home = await sqliteHome();
  const store = new StateStore({ directory: home.directory, db: home.db, cacheBytes: 0 });
  await store.save('model', original);
  const file = readdirSync(home.directory, { recursive: true })
    .map(String)
    .find((name) => name.endsWith('.h5'))!;
  // A plain Uint8Array, not the Buffer readFileSync returns: applyMutation copies with `slice()`,
  // which on a Buffer is a view, so flips and overwrites used to damage `pristine` itself.
  pristine = new Uint8Array(readFileSync(path.join(home.directory, file)));
  const metadata = await store.metadata('model');
  requests = metadata.tensors.map((tensor) => ({
    dataset: `${TENSOR_GROUP}/${tensor.name}`,
    dtype: tensor.dtype,
    shape: tensor.shape,
    hash: tensor.hash,
  }));
});
afterAll(() => home?.close());

/** What `load({ verify: true })` does with one file: read the datasets, then check every hash. */
async function readVerified(file: string) {
  const arrays = await readDatasets(file, requests);
  requests.forEach((request, i) => {
    if (hashTensor(request.dtype, request.shape, arrays[i]!) !== request.hash) {
      throw new StateError('CORRUPT_FILE', `${request.dataset} in ${file} does not match its hash.`);
    }
  });
  return arrays;
}

describe('the HDF5 state reader on damaged files (property)', () => {
  it('returns the saved tensors bit-exactly or a named StateError, quietly and within the heap bound', async () => {
    const wasm = await (await loadHdf5()).ready;
    const heapBefore = wasm.HEAPU8.byteLength;
    const outcomes = new PropertyOutcomes('readDatasets (HDF5 state)');
    const printed: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0) as typeof process.stderr.write;
    let index = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.option(byteMutations(), { freq: 8 }), async (mutation) => {
          const file = path.join(home.directory, `case-${index++}.h5`);
          writeFileSync(file, mutation ? applyMutation(pristine, mutation) : pristine);
          try {
            const arrays = await readVerified(file);
            requests.forEach((request, i) => {
              const name = request.dataset.slice(TENSOR_GROUP.length + 1) as keyof typeof original;
              expect(sameBits(arrays[i]!, original[name].data)).toBe(true);
            });
            outcomes.record('correct');
          } catch (error) {
            if (!StateError.isInstance(error)) throw error;
            // An intact file must read whatever damaged files failed before it in this process.
            if (!mutation) throw error;
            outcomes.record(error.code);
          } finally {
            rmSync(file, { force: true });
          }
          // Bound: the wasm heap may grow by at most 64 MiB over all cases (the file is ~10 KiB).
          expect(wasm.HEAPU8.byteLength - heapBefore).toBeLessThanOrEqual(64 * 2 ** 20);
        }),
        propertyParameters(),
      );
    } finally {
      process.stderr.write = write;
    }
    outcomes.finish();
    expect(printed.filter((line) => line.includes('HDF5-DIAG'))).toEqual([]);
  }, 600_000);
});
